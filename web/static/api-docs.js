// Swagger UI and ReDoc skip heading levels (a page title, then h3 or h5 sections). Once they
// have drawn, each heading is given the level its place in the outline calls for (aria-level),
// so assistive technology reads a tidy outline; the look does not change.
(function () {
  "use strict";
  function relevel() {
    var previous = 0;
    document.querySelectorAll("h1, h2, h3, h4, h5, h6").forEach(function (heading) {
      var level = Number(heading.tagName.charAt(1));
      var wanted = previous === 0 ? level : Math.min(level, previous + 1);
      if (wanted !== level) {
        heading.setAttribute("role", "heading");
        heading.setAttribute("aria-level", String(wanted));
      }
      previous = wanted;
    });
  }
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; relevel(); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
