// The site's only script (the Content-Security-Policy allows no inline script or event
// handler). Every page works without it; with it:
// - a page that shows an error summary, or a confirmation, moves the focus there on load,
//   so a screen reader reads it first and a keyboard user starts from it (GOV.UK pattern);
// - a link of the error summary moves the focus to its field and shows the field's label;
// - the Print button prints.
(function () {
  "use strict";

  function focusOnLoad() {
    var target = document.querySelector(".error-summary[data-focus-on-load]") ||
                 document.querySelector("[data-focus-on-load]");
    if (target) {
      target.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusOnLoad);
  } else {
    focusOnLoad();
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) {
      return;
    }
    var print = event.target.closest("[data-action='print']");
    if (print) {
      event.preventDefault();
      window.print();
      return;
    }
    var link = event.target.closest(".error-summary a[href^='#']");
    if (link) {
      var input = document.getElementById(link.getAttribute("href").slice(1));
      if (input) {
        event.preventDefault();
        var label = document.querySelector("label[for='" + input.id + "']") ||
                    (input.closest("fieldset") && input.closest("fieldset").querySelector("legend")) ||
                    input.closest("label");
        (label || input).scrollIntoView();
        input.focus({ preventScroll: true });
        if (window.history && window.history.replaceState) {
          window.history.replaceState(null, "", "#" + input.id);
        }
      }
    }
  });
})();
