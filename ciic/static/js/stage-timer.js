/* The stage timer of the finals (big screen, console, experts' phones): counts down the
 * pitch and defense minutes from the moment the chair called the team, read from
 * data-started (ISO time) and data-seconds; shows "+m:ss" in red once over. Elements swapped
 * in by htmx are picked up on the next tick. */
(function () {
  "use strict";
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function tick() {
    document.querySelectorAll("[data-stage-timer]").forEach(function (el) {
      var started = Date.parse(el.getAttribute("data-started"));
      var total = parseInt(el.getAttribute("data-seconds"), 10);
      if (isNaN(started) || isNaN(total)) { return; }
      var left = Math.round(total - (Date.now() - started) / 1000);
      var over = left < 0;
      var s = Math.abs(left);
      el.textContent = (over ? "+" : "") + Math.floor(s / 60) + ":" + pad(s % 60);
      el.classList.toggle("timer-over", over);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); window.setInterval(tick, 1000); });
})();
