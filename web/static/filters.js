// At phone width the search filters start folded, so the first result is near the top.
(function () {
  var panel = document.getElementById("filter-panel");
  if (panel && window.matchMedia("(max-width: 700px)").matches) { panel.open = false; }
})();
