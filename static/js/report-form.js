// The report form (apps/reports/templates/reports/report_form.html): the error summary takes the
// focus, "Look it up" checks an id against the inference log (also on Enter in the id field, which
// must not send the whole form), and a screenshot can be pasted (Ctrl+V), dropped or picked, with a
// preview. One screenshot per report: pasting again replaces it. Without JavaScript the form still
// works: the file picker and the Send button are plain HTML.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  // --- Look it up --------------------------------------------------------------------------
  var pointer = document.getElementById("id_prediction_id");
  var lookup = document.getElementById("lookup-button");
  var result = document.getElementById("prediction-preview");
  var surface = document.getElementById("id_surface");
  var model = document.getElementById("id_model");

  function pointerKind() {
    var checked = form.querySelector("input[name=pointer_kind]:checked");
    return checked ? checked.value : "prediction";
  }

  function runLookup() {
    var query = new URLSearchParams({prediction_id: pointer.value.trim(), kind: pointerKind()});
    if (surface && surface.value) query.set("surface", surface.value);
    else if (model && model.value) query.set("model", model.value);
    result.textContent = "Looking…";
    fetch(lookup.dataset.url + "?" + query.toString(), {headers: {"X-Requested-With": "fetch"}, credentials: "same-origin"})
      .then(function (response) { return response.text(); })
      .then(function (html) { result.innerHTML = html; })
      .catch(function () { result.textContent = "The lookup did not answer. You can send the report anyway."; });
  }

  if (pointer && lookup && result) {
    lookup.hidden = false;
    lookup.addEventListener("click", runLookup);
    pointer.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();  // Enter here looks the id up; it does not send the report
        runLookup();
      }
    });
  }

  // --- Screenshot: paste, drop or pick; one at a time ---------------------------------------
  var input = document.getElementById("id_screenshot");
  var drop = document.getElementById("screenshot-drop");
  var preview = document.getElementById("screenshot-preview");
  var image = document.getElementById("screenshot-image");
  var name = document.getElementById("screenshot-name");
  var remove = document.getElementById("screenshot-remove");
  if (!input || !drop || !preview) return;
  var objectUrl = null;
  var accepted = (input.getAttribute("accept") || "image/").split(",");

  function isImage(file) {
    return file && accepted.some(function (type) { return file.type === type.trim(); });
  }

  function show(file) {
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    if (!file) {
      preview.hidden = true;
      image.removeAttribute("src");
      objectUrl = null;
      return;
    }
    objectUrl = URL.createObjectURL(file);
    image.src = objectUrl;
    name.textContent = (file.name || "Pasted screenshot") + " · " + Math.max(1, Math.round(file.size / 1024)) + " KB";
    preview.hidden = false;
  }

  function use(file) {
    // The input holds exactly this one file: a second paste replaces the first.
    var transfer = new DataTransfer();
    var named = file.name && file.name !== "image.png" ? file :
      new File([file], "pasted-screenshot." + (file.type.split("/")[1] || "png"), {type: file.type});
    transfer.items.add(named);
    input.files = transfer.files;
    show(named);
  }

  input.addEventListener("change", function () { show(input.files[0] || null); });
  remove.addEventListener("click", function () {
    input.value = "";
    show(null);
    input.focus();
  });
  document.addEventListener("paste", function (event) {
    var items = (event.clipboardData && event.clipboardData.files) || [];
    for (var i = 0; i < items.length; i++) {
      if (isImage(items[i])) {
        event.preventDefault();
        use(items[i]);
        return;
      }
    }
  });
  drop.addEventListener("dragover", function (event) {
    event.preventDefault();
    drop.classList.add("dragging");
  });
  drop.addEventListener("dragleave", function () { drop.classList.remove("dragging"); });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    drop.classList.remove("dragging");
    var files = event.dataTransfer ? event.dataTransfer.files : [];
    for (var i = 0; i < files.length; i++) {
      if (isImage(files[i])) { use(files[i]); return; }
    }
  });
})();
