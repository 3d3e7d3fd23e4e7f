/* The complaint form explains its refusals as the user fills it in: a ground that is not a
 * complaint the committee takes (disagreement with the evaluation) shows why at once, and the
 * form will not submit without evidence. The server refuses both too (publicity/cases.py). */
(function () {
  "use strict";
  var select = document.getElementById("c-ground");
  var help = document.getElementById("ground-help");
  var files = document.getElementById("c-files");
  var links = document.getElementById("c-links");
  if (!select || !help) { return; }
  function ground() {
    var option = select.options[select.selectedIndex];
    var refused = option && option.dataset.complaint === "0";
    help.hidden = !refused;
    help.textContent = refused ? option.dataset.help : "";
  }
  var evidenceHelp = document.getElementById("evidence-help");
  var form = document.getElementById("complaint-form");
  function noEvidence() {
    return files && links && files.files.length === 0 && links.value.trim() === "";
  }
  function evidence() {
    if (evidenceHelp && !evidenceHelp.hidden && !noEvidence()) { evidenceHelp.hidden = true; }
  }
  select.addEventListener("change", ground);
  if (files) { files.addEventListener("change", evidence); }
  if (links) { links.addEventListener("input", evidence); }
  if (form) {
    form.addEventListener("submit", function (event) {
      var option = select.options[select.selectedIndex];
      if (noEvidence() && evidenceHelp) {
        evidenceHelp.textContent = files.dataset.none;
        evidenceHelp.hidden = false;
        evidenceHelp.scrollIntoView({block: "center"});
        event.preventDefault();
      } else if (option && option.dataset.complaint === "0") {
        help.scrollIntoView({block: "center"});
        event.preventDefault();
      }
    });
  }
  ground();
})();
