// The 打印 button of printable pages (an inline onclick would be refused by the page's CSP).
(function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
