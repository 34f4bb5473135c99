// The review-meeting screen: one section at a time (arrow keys or the buttons), quick reviewer
// controls that post with fetch, and live updates for everyone watching. Without JavaScript the
// page still works: every section is shown, and the controls are ordinary forms.
(function () {
  "use strict";
  const meeting = document.getElementById("meeting");
  if (!meeting) return;

  const POLL_MS = 2000;
  const slides = Array.from(meeting.querySelectorAll(".slide"));
  const names = slides.map(function (slide) { return slide.dataset.section; });
  const liveStatus = document.getElementById("live-status");
  const position = document.getElementById("meeting-position");
  let revision = meeting.dataset.revision;
  let current = names.indexOf(window.location.hash.slice(1));
  if (current < 0) current = 0;
  // Sections changed by someone else while they were not on screen: fetched when shown.
  const stale = new Set();

  function announce(text, isError) {
    liveStatus.textContent = text;
    liveStatus.classList.toggle("error", Boolean(isError));
  }

  function show(index) {
    current = Math.max(0, Math.min(slides.length - 1, index));
    slides.forEach(function (slide, i) { slide.hidden = i !== current; });
    meeting.querySelectorAll("[data-goto]").forEach(function (link) {
      if (link.dataset.goto === names[current]) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    });
    position.textContent = "Section " + (current + 1) + " of " + slides.length;
    // The address keeps the section (to share or reload) without navigating.
    history.replaceState(null, "", "#" + names[current]);
    if (stale.has(names[current])) refresh([names[current]]);
  }

  function typingIn(container) {
    const active = document.activeElement;
    return active && container.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)
      && active.value !== "";
  }

  async function refresh(sections) {
    await Promise.all(sections.map(async function (name) {
      const body = meeting.querySelector('[data-fragment="' + name + '"]');
      if (!body) return;
      // Never throw away what someone is typing: try again on the next tick.
      if (typingIn(body)) { stale.add(name); return; }
      const url = meeting.dataset.fragmentUrl.replace("SECTION", encodeURIComponent(name));
      const response = await fetch(url, {headers: {"X-Requested-With": "fetch"}, credentials: "same-origin"});
      // Signed out meanwhile: the answer is the sign-in page, which must not replace a slide.
      if (response.redirected) { announce("You were signed out: reload the page to sign in again.", true); return; }
      if (!response.ok) return;
      body.innerHTML = await response.text();
      stale.delete(name);
    }));
  }

  async function poll() {
    try {
      const response = await fetch(meeting.dataset.revisionUrl, {headers: {"Accept": "application/json"},
                                                                  credentials: "same-origin", cache: "no-store"});
      if (response.ok) {
        const data = await response.json();
        if (String(data.revision) !== String(revision)) {
          revision = String(data.revision);
          names.forEach(function (name) { stale.add(name); });
          await refresh(Array.from(new Set([names[current], "review"])));
          meeting.dataset.revision = revision;
        } else if (stale.size) {
          await refresh(Array.from(stale).filter(function (name) { return name === names[current] || name === "review"; }));
        }
      }
    } catch (error) {
      // A dropped connection (a laptop on the meeting-room Wi-Fi): the next tick tries again.
    }
    window.setTimeout(poll, POLL_MS);
  }

  meeting.addEventListener("submit", async function (event) {
    const form = event.target;
    if (!form.classList.contains("js-quick")) return;
    event.preventDefault();
    // Read the form (with the button that was pressed) before disabling the buttons: a disabled
    // button's value is not sent.
    const body = new FormData(form, event.submitter);
    const buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    try {
      const response = await fetch(form.action, {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-Requested-With": "fetch", "Accept": "application/json"},
      });
      let data = {};
      try { data = await response.json(); } catch (error) { data = {}; }
      if (response.ok && data.ok) {
        announce(data.message || "Saved.");
        revision = String(data.revision);
        meeting.dataset.revision = revision;
        names.forEach(function (name) { stale.add(name); });
        await refresh(Array.from(new Set([names[current], "review"])));
      } else {
        announce(data.detail || ("That did not work (" + response.status + ")."), true);
        buttons.forEach(function (button) { button.disabled = false; });
      }
    } catch (error) {
      announce("The server could not be reached; nothing was changed.", true);
      buttons.forEach(function (button) { button.disabled = false; });
    }
  });

  meeting.addEventListener("click", function (event) {
    const link = event.target.closest("[data-goto]");
    if (!link) return;
    event.preventDefault();
    show(names.indexOf(link.dataset.goto));
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    // Arrow keys inside a text field move the caret, not the slides.
    const active = document.activeElement;
    if (active && (/^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) || active.isContentEditable)) return;
    if (event.key === "ArrowRight" || event.key === "PageDown") { show(current + 1); event.preventDefault(); }
    if (event.key === "ArrowLeft" || event.key === "PageUp") { show(current - 1); event.preventDefault(); }
  });

  document.getElementById("slide-prev").addEventListener("click", function () { show(current - 1); });
  document.getElementById("slide-next").addEventListener("click", function () { show(current + 1); });

  meeting.classList.add("js-slides");
  document.getElementById("meeting-keys").hidden = false;
  document.getElementById("meeting-buttons").hidden = false;
  show(current);
  window.setTimeout(poll, POLL_MS);
})();
