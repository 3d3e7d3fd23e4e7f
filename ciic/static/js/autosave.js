/* Autosave of the application form (projects/project_detail.html), over htmx.
 *
 * The form posts itself 1.5 s after the last keystroke (hx-trigger). This script shows what is
 * happening beside the save button: saving, saved (the server's answer, with the time), or
 * failed and retrying. A save that fails (the server unreachable, an error answer) is retried
 * with a growing pause, and at once when the browser comes back online; the text stays in the
 * page meanwhile, and leaving the page while a change is unsaved asks first. The messages come
 * from the form's data- attributes, in the page's language.
 */
(function () {
  "use strict";

  function setup(form) {
    var status = function () { return document.getElementById("autosave-status"); };
    var unsaved = false;
    var attempts = 0;
    var timer = null;

    function say(text, state) {
      var el = status();
      if (!el) { return; }
      el.textContent = text;
      el.dataset.state = state;
    }

    function retry() {
      if (timer) { return; }
      attempts += 1;
      var seconds = Math.min(30, Math.pow(2, attempts));
      say(form.dataset.autosaveFailed.replace("{seconds}", String(seconds)), "failed");
      timer = window.setTimeout(function () {
        timer = null;
        if (unsaved) { window.htmx.trigger(form, "autosave-retry"); }
      }, seconds * 1000);
    }

    form.addEventListener("input", function () { unsaved = true; });
    form.addEventListener("htmx:beforeRequest", function () {
      say(form.dataset.autosaveSaving, "saving");
    });
    form.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.successful) {
        attempts = 0;
        // A refusal (a field too long) comes back as a 200 with the reasons: not saved yet.
        var el = status();
        unsaved = Boolean(el && el.querySelector(".errors"));
        if (el) { el.dataset.state = unsaved ? "refused" : "saved"; }
      } else {
        retry();
      }
    });
    window.addEventListener("online", function () {
      if (unsaved) {
        if (timer) { window.clearTimeout(timer); timer = null; }
        window.htmx.trigger(form, "autosave-retry");
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (unsaved) { event.preventDefault(); event.returnValue = ""; }
    });
    form.addEventListener("submit", function () { unsaved = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-autosave-saving]").forEach(setup);
  });
})();
