// The site's only script (the Content-Security-Policy allows no inline script or event
// handler). Every page works without it; with it:
// - a page that shows an error summary, or a confirmation, moves the focus there on load,
//   so a screen reader reads it first and a keyboard user starts from it (GOV.UK pattern);
// - a link of the error summary moves the focus to its field and shows the field's label;
// - the skip link moves the focus to <main> without putting "#main" in the address (a form
//   sent from the page, or a redirect after it, would carry it and move the focus away
//   from the error summary or the confirmation);
// - a table wider than the screen (in .overflow) scrolls by itself: it then takes the
//   focus, named by the heading before it, so a keyboard can scroll it with the arrows;
// - the Print button prints;
// - a long text box shows its character count against the limit.
(function () {
  "use strict";

  function focusOnLoad() {
    var target = document.querySelector(".error-summary[data-focus-on-load]") ||
                 document.querySelector("[data-focus-on-load]");
    if (target) {
      target.focus();
    }
  }

  function headingBefore(el) {
    for (var node = el; node && node !== document.body; node = node.parentElement) {
      for (var prev = node.previousElementSibling; prev; prev = prev.previousElementSibling) {
        if (/^H[1-6]$/.test(prev.tagName)) {
          return prev.textContent.trim();
        }
      }
    }
    return "";
  }

  function scrollRegions() {
    var regions = document.querySelectorAll(".overflow");
    for (var i = 0; i < regions.length; i++) {
      var region = regions[i];
      if (region.scrollWidth > region.clientWidth + 1) {
        if (!region.hasAttribute("tabindex")) {
          region.setAttribute("tabindex", "0");
          region.setAttribute("role", "region");
          var caption = region.querySelector("caption");
          region.setAttribute("aria-label", (caption && caption.textContent.trim()) || headingBefore(region) ||
                              document.title);
        }
      } else if (region.getAttribute("role") === "region") {
        region.removeAttribute("tabindex");
        region.removeAttribute("role");
        region.removeAttribute("aria-label");
      }
    }
  }

  function ready() {
    scrollRegions();
    focusOnLoad();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
  window.addEventListener("resize", scrollRegions);

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
    var skip = event.target.closest("a.skip-link");
    if (skip) {
      var main = document.getElementById("main");
      if (main) {
        event.preventDefault();
        main.focus();
      }
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
