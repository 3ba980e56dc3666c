// The site's only script (the Content-Security-Policy allows no inline script or event
// handler). Every page works without it: it adds the Print button's action and the
// character counter of long text boxes, nothing the server does not check again.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-action='print']");
    if (target) {
      event.preventDefault();
      window.print();
    }
  });

  // "1.234 of 20.000 characters" under a text box with data-counter="<id of the line>":
  // counted as the server counts (precomposed, CRLF as one, spaces around left out)
  function count(text) {
    if (text.normalize) { text = text.normalize("NFC"); }
    return Array.from(text.replace(/\r\n/g, "\n").trim()).length;
  }
  function setUp(box) {
    var line = document.getElementById(box.getAttribute("data-counter"));
    if (!line) { return; }
    var max = parseInt(box.getAttribute("data-max"), 10);
    var fmt = window.Intl ? new Intl.NumberFormat(document.documentElement.lang || "vi") : null;
    var show = function (n) { return fmt ? fmt.format(n) : String(n); };
    function update() {
      var n = count(box.value);
      var over = n > max;
      line.textContent = line.getAttribute(over ? "data-over" : "data-text")
        .replace("%(count)s", show(n)).replace("%(max)s", show(max));
      line.classList.toggle("over", over);
    }
    line.hidden = false;
    box.addEventListener("input", update);
    update();
  }
  function init() {
    var boxes = document.querySelectorAll("[data-counter]");
    for (var i = 0; i < boxes.length; i++) { setUp(boxes[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
