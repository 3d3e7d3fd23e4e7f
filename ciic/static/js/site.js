/* The header on a phone: the navigation folds behind a "菜单 / Menu" button. Without
 * JavaScript the navigation simply stays open (the button is shown only with the "js" class).
 * And a field's red border follows its errors: when htmx brings new errors (the registration
 * wizard checks as the user types), a corrected field loses the border it had. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("main-nav");
    if (!toggle || !nav) { return; }
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("is-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  });

  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll(".field-errors").forEach(function (block) {
      var field = block.closest(".field");
      if (field) { field.classList.toggle("has-error", Boolean(block.querySelector("li"))); }
    });
  });
})();
