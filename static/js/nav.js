// The navigation folds behind the Menu button on narrow screens. Without this script the
// button stays hidden and the navigation stays open, so every page works without JavaScript.
document.documentElement.classList.add("js");
(function () {
  const bar = document.querySelector(".topbar");
  const button = bar && bar.querySelector(".menu-button");
  if (!button) return;
  document.documentElement.classList.add("js-nav");
  button.hidden = false;
  button.addEventListener("click", function () {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    bar.classList.toggle("menu-open", open);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && bar.classList.contains("menu-open")) {
      bar.classList.remove("menu-open");
      button.setAttribute("aria-expanded", "false");
      button.focus();
    }
  });
})();
// The signed-in person's menu is a <details>: it opens and closes from the keyboard without
// this script. Escape closes it (back on its summary), as does a click anywhere else.
(function () {
  const menu = document.getElementById("person-menu");
  if (!menu) return;
  const summary = menu.querySelector("summary");
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.open) {
      menu.open = false;
      summary.focus();
      event.stopImmediatePropagation();
    }
  }, true);
  document.addEventListener("click", function (event) {
    if (menu.open && !menu.contains(event.target)) menu.open = false;
  });
})();
