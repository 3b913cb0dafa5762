// The header's menu on narrow screens: the button shows and hides the links and says so
// (aria-expanded). Until this runs the links are shown, so a page without scripts keeps
// its navigation; the stylesheet folds them only under html[data-menu].
(function () {
  "use strict";
  function start() {
    const button = document.getElementById("menu-toggle");
    const menu = document.getElementById("site-menu");
    if (!button || !menu) return;
    button.hidden = false;
    document.documentElement.dataset.menu = "closed";
    function show(open) {
      button.setAttribute("aria-expanded", String(open));
      document.documentElement.dataset.menu = open ? "open" : "closed";
    }
    button.addEventListener("click", () => show(button.getAttribute("aria-expanded") !== "true"));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        show(false);
        button.focus();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
