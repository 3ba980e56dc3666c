// The site's only script, loaded by the pages with a Print button (the Content-Security-
// Policy allows no inline script or event handler). Every page works without it.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-action='print']");
    if (target) {
      event.preventDefault();
      window.print();
    }
  });
})();
