// The review-meeting screen: one section at a time (arrow keys or the buttons), quick reviewer
// controls that post with fetch, and live updates for everyone watching. One person presents
// (their slide moves are posted to the server); the other screens follow them unless their viewer
// steps away. "Present" / "Full screen" switch to a presentation layout without the app's
// navigation (and to the browser's full screen where it allows). Without JavaScript the page
// still works: every section is shown, and the controls are ordinary forms.
(function () {
  "use strict";
  const meeting = document.getElementById("meeting");
  if (!meeting) return;

  const POLL_MS = 2000;
  const slides = Array.from(meeting.querySelectorAll(".slide"));
  const names = slides.map(function (slide) { return slide.dataset.section; });
  const liveStatus = document.getElementById("live-status");
  const position = document.getElementById("meeting-position");
  const prevButton = document.getElementById("slide-prev");
  const nextButton = document.getElementById("slide-next");
  const presentForm = document.getElementById("present-form");
  const presentButton = document.getElementById("present-button");  // only for who may present
  const stopButton = document.getElementById("stop-presenting");
  const fullscreenButton = document.getElementById("fullscreen-button");
  const exitButton = document.getElementById("exit-presentation");
  const presenterStatus = document.getElementById("presenter-status");
  const followBox = document.getElementById("follow-presenter");
  const followControls = document.getElementById("follow-controls");
  const backButton = document.getElementById("back-to-presenter");
  // Who presents and where ({username, section, you} or null), as the server last said.
  let presenter = null;
  let revision = meeting.dataset.revision;
  let current = names.indexOf(window.location.hash.slice(1));
  if (current < 0) current = 0;
  // Sections changed by someone else while they were not on screen: fetched when shown.
  const stale = new Set();

  function announce(text, isError) {
    liveStatus.textContent = text;
    liveStatus.classList.toggle("error", Boolean(isError));
  }

  function slideLabel(name) {
    const slide = slides[names.indexOf(name)];
    return slide ? slide.getAttribute("aria-label") : name;
  }

  function iPresent() { return Boolean(presenter && presenter.you); }

  // `byHand`: the viewer moved (keys, buttons, the table of contents). Someone following a
  // presenter then steps away; the presenter's moves are sent for the others to follow.
  function show(index, byHand) {
    const target = Math.max(0, Math.min(slides.length - 1, index));
    const moved = target !== current;
    if (byHand && moved && presenter && !presenter.you && followBox.checked) {
      followBox.checked = false;
      updatePresenterControls();
    }
    current = target;
    // A toast is about what happened on the slide it was said on.
    if (moved) announce("");
    slides.forEach(function (slide, i) { slide.hidden = i !== current; });
    prevButton.disabled = current === 0;
    nextButton.disabled = current === slides.length - 1;
    meeting.querySelectorAll("[data-goto]").forEach(function (link) {
      if (link.dataset.goto === names[current]) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    });
    position.textContent = "Section " + (current + 1) + " of " + slides.length;
    // The address keeps the section (to share or reload) without navigating.
    history.replaceState(null, "", "#" + names[current]);
    if (stale.has(names[current])) refresh([names[current]]);
    if (moved && iPresent()) sendPosition();
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

  // --- Presenting and following ---------------------------------------------------------------

  async function postPresenter(fields) {
    // The form carries the CSRF token; the fields say what to do.
    const body = new FormData(presentForm);
    Object.keys(fields).forEach(function (name) { body.set(name, fields[name]); });
    const response = await fetch(meeting.dataset.presenterUrl, {
      method: "POST", body: body, credentials: "same-origin",
      headers: {"X-Requested-With": "fetch", "Accept": "application/json"},
    });
    let data = {};
    try { data = await response.json(); } catch (error) { data = {}; }
    return {ok: response.ok, status: response.status, data: data};
  }

  // The presenter's moves go out one at a time, the latest last: three quick presses of → must
  // not arrive out of order and leave the room on the second slide.
  let sending = false;
  let sent = null;
  async function sendPosition() {
    if (sending) return;
    sending = true;
    try {
      while (iPresent() && sent !== names[current]) {
        const section = names[current];
        const answer = await postPresenter({section: section});
        if (!answer.ok) {
          // Someone took over (409) or we may no longer present: follow whoever presents now.
          if (answer.data.detail) announce(answer.data.detail, true);
          presenter = null;
          followBox.checked = true;
          await poll(true);
          break;
        }
        sent = section;
        applyPresenter(answer.data.presenter);
      }
    } catch (error) {
      announce("The server could not be reached: the room may not see this slide.", true);
    } finally {
      sending = false;
    }
  }

  function updatePresenterControls() {
    const someoneElse = Boolean(presenter && !presenter.you);
    if (!presenter) presenterStatus.textContent = "Nobody is presenting.";
    else if (presenter.you) presenterStatus.textContent = "You are presenting: everyone following sees your slide.";
    else presenterStatus.textContent = presenter.username + " is presenting · " + slideLabel(presenter.section);
    presenterStatus.classList.toggle("live", Boolean(presenter));
    if (presentButton) {
      presentButton.textContent = someoneElse ? "Take over presenting" : "Present";
      // Taking a meeting from someone is not the obvious next step, so it is not the primary button.
      presentButton.classList.toggle("primary", !someoneElse);
      presentButton.hidden = iPresent() && presenting();
      stopButton.hidden = !iPresent();
    }
    fullscreenButton.hidden = presenting();
    exitButton.hidden = !presenting();
    followControls.hidden = iPresent();
    backButton.hidden = !(someoneElse && !followBox.checked);
  }

  function followIfAsked() {
    if (!presenter || presenter.you || !followBox.checked) return;
    const index = names.indexOf(presenter.section);
    if (index >= 0 && index !== current) show(index, false);
  }

  function applyPresenter(data) {
    const wasMe = iPresent();
    presenter = data || null;
    if (iPresent()) sent = presenter.section;
    // Someone took over from this screen: it follows them now.
    if (wasMe && !iPresent()) followBox.checked = true;
    updatePresenterControls();
    followIfAsked();
  }

  // --- The presentation layout --------------------------------------------------------------

  const root = document.documentElement;
  function presenting() { return root.classList.contains("presenting"); }

  function enterPresentation() {
    root.classList.add("presenting");
    // The browser's full screen where it allows it (it needs this click); the layout without the
    // app's navigation in any case.
    if (document.fullscreenEnabled && !document.fullscreenElement && root.requestFullscreen) {
      root.requestFullscreen().catch(function () { /* refused: the layout alone will do */ });
    }
    updatePresenterControls();
    window.scrollTo(0, 0);
  }

  function exitPresentation() {
    root.classList.remove("presenting");
    if (document.fullscreenElement && document.exitFullscreen) document.exitFullscreen().catch(function () {});
    updatePresenterControls();
  }

  // Escape in the browser's full screen leaves it before any page sees the key: leave the layout too.
  document.addEventListener("fullscreenchange", function () {
    if (!document.fullscreenElement && presenting()) exitPresentation();
  });

  presentForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    enterPresentation();  // first, while the click still counts as one for the full screen
    try {
      const answer = await postPresenter({section: names[current], take_over: "1"});
      if (answer.ok) {
        applyPresenter(answer.data.presenter);
        announce("");
      } else {
        announce(answer.data.detail || ("You cannot present (" + answer.status + ")."), true);
      }
    } catch (error) {
      announce("The server could not be reached: you are not presenting.", true);
    }
  });

  if (stopButton) {
    stopButton.addEventListener("click", async function () {
      try {
        const answer = await postPresenter({stop: "1"});
        if (answer.ok) applyPresenter(answer.data.presenter);
        else announce(answer.data.detail || "That did not work.", true);
      } catch (error) {
        announce("The server could not be reached: you are still presenting.", true);
      }
    });
  }
  fullscreenButton.addEventListener("click", enterPresentation);
  exitButton.addEventListener("click", exitPresentation);
  followBox.addEventListener("change", function () {
    updatePresenterControls();
    followIfAsked();
  });
  backButton.addEventListener("click", function () {
    followBox.checked = true;
    updatePresenterControls();
    followIfAsked();
  });

  // --- Live updates -------------------------------------------------------------------------

  async function poll(once) {
    try {
      const response = await fetch(meeting.dataset.revisionUrl, {headers: {"Accept": "application/json"},
                                                                  credentials: "same-origin", cache: "no-store"});
      if (response.ok) {
        const data = await response.json();
        applyPresenter(data.presenter);
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
    if (once !== true) window.setTimeout(poll, POLL_MS);
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
    show(names.indexOf(link.dataset.goto), true);
  });

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    // Arrow keys inside a text field move the caret, not the slides.
    const active = document.activeElement;
    if (active && (/^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName) || active.isContentEditable)) return;
    if (event.key === "ArrowRight" || event.key === "PageDown") { show(current + 1, true); event.preventDefault(); }
    if (event.key === "ArrowLeft" || event.key === "PageUp") { show(current - 1, true); event.preventDefault(); }
    if (event.key === "Escape" && presenting()) { exitPresentation(); event.preventDefault(); }
  });

  prevButton.addEventListener("click", function () { show(current - 1, true); });
  nextButton.addEventListener("click", function () { show(current + 1, true); });

  meeting.classList.add("js-slides");
  document.getElementById("meeting-bar").hidden = false;
  document.getElementById("meeting-buttons").hidden = false;
  show(current, false);
  updatePresenterControls();
  // At once, not in two seconds: a screen opened mid-meeting goes straight to the presenter's slide.
  poll();
})();
