/*
 * mlincidents feedback widget: thumbs up / down beside a model's answer on a product page.
 *
 *   <div data-mli-feedback data-prediction-id="wine-00042"></div>
 *   <script src="https://tracker.example/static/widget/feedback.js" data-key="mli_pk_…" data-model="wine" defer></script>
 *
 * Posts to the tracker that served this file: POST /api/v1/feedback/?key=… (JSON, or a
 * multipart form when a screenshot is attached). The key is a publishable key: it only works
 * from the sites listed on it. A thumbs-down with a comment or a screenshot files a WTF report
 * from the logged inputs of that prediction. No dependencies, no cookies, nothing global but
 * window.MLIncidentsFeedback.mount(element) for pages that add results later.
 */
(function () {
  "use strict";

  var script = document.currentScript ||
    document.querySelector('script[data-key][src*="widget/feedback.js"]');
  if (!script) { return; }
  var key = script.getAttribute("data-key") || "";
  var model = script.getAttribute("data-model") || "";
  var endpoint = new URL("/api/v1/feedback/", script.src).href + "?key=" + encodeURIComponent(key);
  var seq = 0;

  var STYLE = [
    ".mli-fb{font:inherit;display:inline-flex;flex-wrap:wrap;gap:.5em;align-items:center;max-width:100%}",
    ".mli-fb button{font:inherit;cursor:pointer;border:1px solid #8a8f98;border-radius:6px;background:#fff;color:#1d2330;padding:.3em .7em;min-height:2.2em}",
    ".mli-fb button:focus-visible{outline:3px solid #2f6fde;outline-offset:2px}",
    ".mli-fb button[aria-pressed=true]{background:#1d2330;color:#fff}",
    ".mli-fb form{display:flex;flex-direction:column;gap:.4em;flex-basis:100%;max-width:28em}",
    ".mli-fb textarea{font:inherit;width:100%;box-sizing:border-box;min-height:4em}",
    ".mli-fb label{display:flex;flex-direction:column;gap:.2em}",
    ".mli-fb [role=status]{flex-basis:100%;min-height:1.2em}"
  ].join("");

  function addStyle() {
    if (document.getElementById("mli-fb-style")) { return; }
    var style = document.createElement("style");
    style.id = "mli-fb-style";
    style.textContent = STYLE;
    document.head.appendChild(style);
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function send(predictionId, verdict, comment, file) {
    var options = {method: "POST", mode: "cors", credentials: "omit"};
    if (file) {
      var form = new FormData();
      form.append("model", model);
      form.append("prediction_id", predictionId);
      form.append("verdict", verdict);
      form.append("comment", comment);
      form.append("screenshot", file);
      options.body = form;
    } else {
      options.headers = {"Content-Type": "application/json"};
      options.body = JSON.stringify({model: model, prediction_id: predictionId, verdict: verdict, comment: comment});
    }
    return fetch(endpoint, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) { throw new Error(body.detail || ("The tracker answered " + response.status + ".")); }
        return body;
      });
    }, function () {
      // A refused origin reaches the page as a network error: CORS hides the answer.
      throw new Error("Feedback could not be sent from this page.");
    });
  }

  function mount(root) {
    if (!root || root.getAttribute("data-mli-mounted")) { return; }
    var predictionId = root.getAttribute("data-prediction-id") || "";
    if (!predictionId) { return; }
    root.setAttribute("data-mli-mounted", "1");
    addStyle();
    var id = "mli-fb-" + (++seq);
    var box = element("div", {"class": "mli-fb", role: "group", "aria-label": "Was this answer right?"});
    var up = element("button", {type: "button", "aria-pressed": "false", "aria-label": "Thumbs up"}, "\uD83D\uDC4D");
    var down = element("button", {type: "button", "aria-pressed": "false", "aria-label": "Thumbs down",
                                  "aria-expanded": "false", "aria-controls": id + "-form"}, "\uD83D\uDC4E");
    var status = element("p", {role: "status", "aria-live": "polite"});
    var form = element("form", {id: id + "-form", hidden: ""});
    var commentLabel = element("label", {}, "What was wrong? (optional)");
    var comment = element("textarea", {name: "comment", maxlength: "10000"});
    commentLabel.appendChild(comment);
    var fileLabel = element("label", {}, "Screenshot (optional)");
    var file = element("input", {type: "file", name: "screenshot", accept: "image/png,image/jpeg,image/gif,image/webp"});
    fileLabel.appendChild(file);
    var submit = element("button", {type: "submit"}, "Send feedback");
    form.appendChild(commentLabel);
    form.appendChild(fileLabel);
    form.appendChild(submit);
    box.appendChild(up);
    box.appendChild(down);
    box.appendChild(form);
    box.appendChild(status);
    root.appendChild(box);

    function busy(on) { [up, down, submit].forEach(function (button) { button.disabled = on; }); }

    function done(verdict, promise) {
      busy(true);
      status.textContent = "Sending…";
      promise.then(function (body) {
        up.setAttribute("aria-pressed", String(verdict === "up"));
        down.setAttribute("aria-pressed", String(verdict === "down"));
        form.hidden = true;
        down.setAttribute("aria-expanded", "false");
        status.textContent = body.reference ? "Thank you — the team got your report " + body.reference + "."
                                            : "Thank you for the feedback.";
      }, function (error) {
        busy(false);
        status.textContent = error.message;
      });
    }

    up.addEventListener("click", function () { done("up", send(predictionId, "up", "", null)); });
    down.addEventListener("click", function () {
      form.hidden = !form.hidden;
      down.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) { comment.focus(); }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      done("down", send(predictionId, "down", comment.value.trim(), file.files[0] || null));
    });
  }

  function mountAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-mli-feedback]"), mount);
  }

  window.MLIncidentsFeedback = {mount: mount};
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mountAll);
  } else {
    mountAll();
  }
}());
