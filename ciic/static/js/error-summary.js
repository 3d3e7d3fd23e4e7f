/* A refused form says what is wrong at the top of the page. After a page loads with errors next
 * to its fields, this gathers them into one summary above the content, each linking to its
 * field, and moves the focus there (screen readers announce it, the keyboard starts there).
 * A page that renders its own summary (.error-summary) just gets the focus. The heading comes
 * from <body data-error-summary>, in the page's language. Without JavaScript the errors still
 * stand next to their fields.
 */
(function () {
  "use strict";

  // The field an error belongs to: the control in the same .field (or table row), else the
  // one its error block names (_errors.html's id "err-<name>" beside the input "id_<name>").
  function control(li) {
    var field = li.closest(".field, tr");
    var input = field && field.querySelector("input:not([type=hidden]), textarea, select");
    if (input && input.id) { return input; }
    var block = li.closest("[id^='err-']");
    var named = block && document.getElementById("id_" + block.id.slice(4));
    if (named) { return named; }
    return field && field.id ? field : null;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var main = document.getElementById("main");
    if (!main) { return; }
    var existing = main.querySelector(".error-summary");
    if (existing) { existing.focus(); return; }
    var items = main.querySelectorAll(".field-errors ul.errors > li, .form-errors ul.errors > li");
    if (!items.length) { return; }
    var box = document.createElement("div");
    box.className = "alert alert-error error-summary";
    box.setAttribute("role", "alert");
    box.tabIndex = -1;
    var heading = document.createElement("h2");
    heading.textContent = (document.body.dataset.errorSummary || "").replace("{count}", String(items.length));
    box.appendChild(heading);
    var list = document.createElement("ul");
    items.forEach(function (li) {
      var entry = document.createElement("li");
      var target = control(li);
      if (target) {
        var link = document.createElement("a");
        link.href = "#" + target.id;
        link.textContent = li.textContent.trim();
        link.addEventListener("click", function (event) {
          event.preventDefault();
          target.scrollIntoView({block: "center"});
          if (typeof target.focus === "function") { target.focus(); }
        });
        entry.appendChild(link);
      } else {
        entry.textContent = li.textContent.trim();
      }
      list.appendChild(entry);
    });
    box.appendChild(list);
    var messages = main.querySelector(".messages");
    if (messages) { messages.after(box); } else { main.prepend(box); }
    box.focus();
  });
})();
