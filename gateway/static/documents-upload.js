// Upload forms of the documents pages, with a progress bar. Progressive enhancement: without
// this script (or FormData), the form is posted as is and the server redirects.
(function () {
  "use strict";

  function setUp(form) {
    var input = form.querySelector('input[type="file"]');
    var box = form.querySelector(".doc-progress");
    var error = form.querySelector(".doc-upload-error");
    var button = form.querySelector('button[type="submit"]');
    if (!input || !box || !error || !button) { return; }
    var bar = box.querySelector("progress");
    var status = box.querySelector("[role=status]");

    function fail(message) {
      error.textContent = message;
      error.hidden = false;
      box.hidden = true;
      button.disabled = false;
    }

    form.addEventListener("submit", function (event) {
      if (!window.FormData || !input.files || !input.files.length) { return; }
      event.preventDefault();
      var file = input.files[0];
      var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10);
      if (maxBytes && file.size > maxBytes) { fail(form.getAttribute("data-too-large")); return; }
      error.hidden = true;
      box.hidden = false;
      button.disabled = true;
      bar.value = 0;
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (progress) {
        if (!progress.lengthComputable) { return; }
        var percent = Math.floor(progress.loaded * 100 / progress.total);
        bar.value = percent;
        status.textContent = form.getAttribute("data-sending").replace("{percent}", percent + "\u202f%");
      });
      request.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        status.textContent = form.getAttribute("data-filing");
      });
      request.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(request.responseText); } catch (ignored) { body = null; }
        if (request.status >= 200 && request.status < 300 && body && body.location) {
          window.location.assign(body.location);
          return;
        }
        fail(body && body.error && body.error.message ? body.error.message : form.getAttribute("data-failed"));
      });
      request.addEventListener("error", function () { fail(form.getAttribute("data-failed")); });
      request.send(new FormData(form));
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-upload]"), setUp);
}());
