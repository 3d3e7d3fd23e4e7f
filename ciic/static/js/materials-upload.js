/* Resumable uploads of project materials (R-J7) through the tus server at /projects/tus/.
 *
 * Progressive enhancement of the file forms in projects/_materials.html: without JS (or when
 * tus-js-client is missing) each form posts the file as multipart. With it, choosing a file
 * uploads it in chunks (data-chunk-size on #materials) with a progress bar, pause and cancel.
 * tus-js-client keeps each upload's URL in localStorage, so after a reload or a broken
 * connection, choosing the same file again continues from the offset the server reports.
 *
 * The server checks everything (deadline, size, attestation, content): a refusal comes back as
 * JSON {"errors": {field: [{message, code}]}} or {"error": message} and is shown in the row.
 * User-visible texts come from the data-msg-* attributes, translated by the template.
 */
(function () {
  "use strict";

  const MB = 1024 * 1024;
  // Statuses after which the upload is gone or can never finish: forget its stored URL.
  const DISCARDED = new Set([404, 410, 413, 422]);

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));
  }

  function percent(done, total) {
    return total > 0 ? Math.floor((done * 100) / total) : 0;
  }

  function bytes(count) {
    if (count < 1024) return `${count} B`;  // a small file read "0 KB / 0 KB"
    if (count < MB) return `${(count / 1024).toFixed(count < 10 * 1024 ? 1 : 0)} KB`;
    return `${(count / MB).toFixed(1)} MB`;
  }

  function sameTarget(entry, metadata) {
    const stored = entry.metadata || {};
    return stored.project === metadata.project && stored.material_type === metadata.material_type;
  }

  class MaterialUpload {
    constructor(section, form, endpoint) {
      this.section = section;
      this.form = form;
      this.endpoint = endpoint;
      this.msg = section.dataset;
      this.row = form.closest(".material-row");
      this.input = form.querySelector('input[type="file"]');
      this.submit = form.querySelector('button[type="submit"]');
      this.bar = this.row.querySelector(".upload-progress");
      this.progress = this.bar.querySelector("progress");
      this.percentText = this.bar.querySelector(".upload-percent");
      this.bytesText = this.bar.querySelector(".upload-bytes");
      this.pauseButton = this.bar.querySelector(".upload-pause");
      this.cancelButton = this.bar.querySelector(".upload-cancel");
      this.status = this.row.querySelector(".upload-status");
      this.errors = this.row.querySelector(".upload-errors");
      this.upload = null;
      this.running = false;

      // Choosing the file starts the upload: the form's button is for pages without JavaScript.
      this.submit.hidden = true;
      this.input.addEventListener("change", () => this.start());
      form.addEventListener("submit", (event) => {
        if (this.input.files.length) {  // no file: let the server say so, as without JS
          event.preventDefault();
          this.start();
        }
      });
      this.pauseButton.addEventListener("click", () => this.togglePause());
      this.cancelButton.addEventListener("click", () => this.cancel());
    }

    metadata(file) {
      const metadata = {
        filename: file.name, filetype: file.type || "application/octet-stream",
        project: this.section.dataset.project, material_type: this.form.dataset.materialType,
      };
      const attested = this.form.querySelector('input[name="attested"]');
      if (attested) metadata.attested = attested.checked ? "1" : "0";
      return metadata;
    }

    async start() {
      const file = this.input.files[0];
      if (!file || this.upload) return;
      const metadata = this.metadata(file);
      const upload = new window.tus.Upload(file, {
        endpoint: this.endpoint,
        chunkSize: Number(this.section.dataset.chunkSize) || 5 * MB,
        metadata,
        headers: { "X-CSRFToken": this.form.querySelector('input[name="csrfmiddlewaretoken"]').value },
        retryDelays: [0, 1000, 3000, 5000],
        removeFingerprintOnSuccess: true,
        onProgress: (sent, total) => this.onProgress(sent, total),
        onSuccess: () => this.finished(),
        onError: (error) => this.failed(error),
      });
      this.upload = upload;
      this.running = true;
      this.fileName = file.name;

      // The same file (name, type, size, date) chosen again for the same material: continue
      // the newest stored upload; the server's HEAD gives the offset.
      let previous = [];
      try {
        previous = (await upload.findPreviousUploads()).filter((entry) => sameTarget(entry, metadata));
      } catch (_error) {
        previous = [];  // no localStorage: a fresh upload
      }
      previous.sort((a, b) => Date.parse(b.creationTime) - Date.parse(a.creationTime));
      this.resuming = previous.length > 0;
      if (this.resuming) upload.resumeFromPreviousUpload(previous[0]);
      previous.slice(1).forEach((entry) => window.tus.defaultOptions.urlStorage.removeUpload(entry.urlStorageKey));

      this.row.classList.remove("has-error");
      this.clearErrors();
      this.input.disabled = true;
      this.submit.disabled = true;
      this.pauseButton.textContent = this.msg.msgPause;
      this.pauseButton.hidden = false;
      this.cancelButton.hidden = false;
      this.bar.hidden = false;
      this.drawProgress(0, file.size);
      this.firstProgress = true;
      this.setStatus(this.resuming ? format(this.msg.msgResuming, { percent: "…" })
        : format(this.msg.msgUploading, { name: file.name }));
      upload.start();
    }

    drawProgress(sent, total) {
      this.progress.max = total || 1;
      this.progress.value = sent;
      this.percentText.textContent = `${percent(sent, total)}%`;
      this.bytesText.textContent = `${bytes(sent)} / ${bytes(total)}`;
    }

    onProgress(sent, total) {
      this.drawProgress(sent, total);
      if (this.firstProgress) {
        // tus-js-client reports the offset the server gave (HEAD) before sending a chunk; 0
        // when the stored upload was gone and a new one was created.
        this.firstProgress = false;
        this.setStatus(this.resuming && sent > 0
          ? format(this.msg.msgResuming, { percent: `${percent(sent, total)}%` })
          : format(this.msg.msgUploading, { name: this.fileName }));
      }
    }

    togglePause() {
      if (!this.upload) return;
      if (this.running) {
        this.upload.abort();
        this.running = false;
        this.pauseButton.textContent = this.msg.msgResume;
        this.setStatus(this.msg.msgPaused);
      } else {
        this.running = true;
        this.pauseButton.textContent = this.msg.msgPause;
        this.setStatus(format(this.msg.msgUploading, { name: this.fileName }));
        this.upload.start();
      }
    }

    async cancel() {
      const upload = this.upload;
      if (!upload) return;
      this.stop();
      this.bar.hidden = true;
      this.setStatus(this.msg.msgCancelled);
      try {
        await upload.abort(true);  // DELETE on the server, and forget the stored URL
      } catch (_error) {
        await this.forget(upload);
      }
    }

    // Forget every stored upload of this material: it is stored, refused or given up; the
    // server discards what is left of them when they expire.
    async forget(upload) {
      const storage = window.tus.defaultOptions.urlStorage;
      try {
        for (const entry of await storage.findAllUploads()) {
          if (sameTarget(entry, upload.options.metadata)) await storage.removeUpload(entry.urlStorageKey);
        }
      } catch (_error) {
        // nothing stored
      }
    }

    stop() {
      this.upload = null;
      this.running = false;
      this.input.disabled = false;
      this.submit.disabled = false;
      this.input.value = "";  // so that choosing the same file again fires "change"
      this.pauseButton.hidden = true;
      this.cancelButton.hidden = true;
    }

    async finished() {
      const upload = this.upload;
      this.stop();
      if (upload) this.forget(upload);
      this.setStatus(this.msg.msgDone);
      await this.refreshRow();
    }

    failed(error) {
      const upload = this.upload;
      this.stop();
      const response = error.originalResponse;
      const status = response ? response.getStatus() : 0;
      let body = null;
      try {
        body = JSON.parse(response.getBody());
      } catch (_error) {
        body = null;
      }
      if (upload && DISCARDED.has(status)) this.forget(upload);
      if (body && (body.errors || body.error)) {
        this.row.classList.add("has-error");
        this.bar.hidden = true;
        this.setStatus(this.msg.msgRefused);
        this.showErrors(body);
      } else {
        this.setStatus(format(this.msg.msgFailed, { detail: status ? `HTTP ${status}` : this.msg.msgNetwork }));
      }
    }

    showErrors(body) {
      this.clearErrors();
      const items = body.errors
        ? Object.entries(body.errors).flatMap(([field, list]) => list.map((e) => [field, e.message, e.code]))
        : [["", body.error, ""]];
      for (const [field, message, rule] of items) {
        const li = document.createElement("li");
        li.dataset.field = field;
        li.textContent = message;
        if (rule) {
          const span = document.createElement("span");
          span.className = "rule";
          span.title = this.msg.msgRule;
          span.textContent = rule;
          li.append(" ", span);
        }
        this.errors.append(li);
      }
      this.errors.hidden = false;
    }

    clearErrors() {
      this.errors.replaceChildren();
      this.errors.hidden = true;
      const serverErrors = this.row.querySelector(".field-errors");
      if (serverErrors) serverErrors.replaceChildren();
    }

    setStatus(text) {
      this.status.classList.remove("upload-pending");
      this.status.textContent = text;
      this.status.hidden = !text;
    }

    // The new file, its name and SHA-256 as the server renders them; a reload if that fails.
    async refreshRow() {
      try {
        const response = await fetch(window.location.href, { credentials: "same-origin", cache: "no-store" });
        if (!response.ok) throw new Error(String(response.status));
        const page = new DOMParser().parseFromString(await response.text(), "text/html");
        const fresh = page.querySelector(`#${CSS.escape(this.row.id)} .material-current`);
        if (!fresh) throw new Error("row not found");
        this.row.querySelector(".material-current").replaceWith(document.importNode(fresh, true));
      } catch (_error) {
        window.location.reload();
      }
    }
  }

  // After a reload the browser cannot reopen the file by itself: tell the user which file to
  // choose again, and how far the server already has it.
  async function showPending(section, uploads) {
    let entries = [];
    try {
      entries = await window.tus.defaultOptions.urlStorage.findAllUploads();
    } catch (_error) {
      return;
    }
    const newest = new Map();
    for (const entry of entries) {
      const metadata = entry.metadata || {};
      if (metadata.project !== section.dataset.project || !entry.uploadUrl || !uploads.has(metadata.material_type)) continue;
      const known = newest.get(metadata.material_type);
      if (!known || Date.parse(entry.creationTime) > Date.parse(known.creationTime)) newest.set(metadata.material_type, entry);
    }
    for (const [type, entry] of newest) {
      let response;
      try {
        response = await fetch(entry.uploadUrl, { method: "HEAD", credentials: "same-origin", cache: "no-store",
                                                  headers: { "Tus-Resumable": "1.0.0" } });
      } catch (_error) {
        continue;
      }
      const offset = Number(response.headers.get("Upload-Offset"));
      const length = Number(response.headers.get("Upload-Length"));
      if (response.status === 410 || (response.ok && offset >= length)) {
        window.tus.defaultOptions.urlStorage.removeUpload(entry.urlStorageKey);
        continue;
      }
      const upload = uploads.get(type);
      if (!response.ok || upload.upload) continue;
      upload.setStatus(format(section.dataset.msgPending, { name: entry.metadata.filename, percent: `${percent(offset, length)}%` }));
      upload.status.classList.add("upload-pending");
    }
  }

  function setUp(section) {
    if (section.dataset.tusReady || !window.tus || !window.tus.isSupported) return;
    section.dataset.tusReady = "1";
    const hint = section.querySelector(".upload-hint");  // true only with this script
    if (hint) hint.hidden = false;
    const endpoint = new URL(section.dataset.tusEndpoint, window.location.href).href;
    const uploads = new Map();
    section.querySelectorAll("form[data-tus-upload]").forEach((form) => {
      uploads.set(form.dataset.materialType, new MaterialUpload(section, form, endpoint));
    });
    showPending(section, uploads);
  }

  function scan(root) {
    if (root.matches && root.matches("#materials")) setUp(root);
    else if (root.querySelectorAll) root.querySelectorAll("#materials").forEach(setUp);
  }

  scan(document);
  document.addEventListener("htmx:load", (event) => scan(event.target));
})();
