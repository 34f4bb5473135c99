"""End-to-end fixtures: Debian's real headless Chromium driven through Playwright's sync API
against pytest-django's live server.

If no Chromium executable is found, the `browser` fixture skips, so only the browser tests
are skipped (install Debian's `chromium` package to run them)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from apps.actions.models import ActionItem
from apps.demo.postmortem import HOME_MODEL
from apps.demo.services import MODEL_NAME
from apps.incidents.models import Incident
from apps.postmortems.models import Section
from apps.replays.models import Replay
from apps.reports.models import Report

# Playwright's sync API keeps an asyncio event loop running in the main thread, and Django's
# async-safety check then refuses ORM calls made from the test body (known pytest-django +
# Playwright issue). The tests only touch the ORM from the one synchronous test thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery staple"

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

SKIP_REASON = "Chromium not installed: browser tests skipped (install Debian's chromium package)"


def chromium_executable() -> str | None:
    """CHROMIUM_PATH if set, else /usr/bin/chromium, else whatever `chromium` is on PATH."""
    candidates = [os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser():
    executable = chromium_executable()
    if executable is None:
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (own cookies, own session) per test, rooted at the live server."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def submit_sign_in(page, username: str, password: str = PASSWORD) -> None:
    """Signs in through the real login form and returns once the signed-in page has loaded, on any
    screen size. The click can return before the next page has arrived or run its scripts, so
    this waits for what only a signed-in page has (the sign-out form, there even while a phone's
    navigation is folded), then for its load event: nav.js has run by then, so whether the Menu
    button shows is settled and can be looked at without racing it."""
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("form.signout")).to_contain_text(username)
    page.wait_for_load_state("load")


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Signs in through the real login form and waits until the signed-in navigation shows
    (the `page` fixture's default viewport is wide enough for it to be unfolded)."""
    from playwright.sync_api import expect

    submit_sign_in(page, username, password)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


@pytest.fixture
def login(page):
    """`login(user_or_username, password=...)` signs the test's page in through the login form."""

    def _login(user, password: str = PASSWORD):
        log_in(page, getattr(user, "username", user), password)
        return page

    return _login


def sideways_overflow(page) -> int:
    """How many pixels the document is wider than the viewport (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def demo_main_pages(*, every_section: bool = False) -> dict[str, str]:
    """Every main page of the demo (`seed_demo`), by name: the pages the layout and the
    accessibility tests open; with `every_section`, each post-mortem section too."""

    report = Report.objects.get(title="Every wine on the cellar page is suddenly the same cultivar")
    reviewed = Incident.objects.filter(model__name=HOME_MODEL).order_by("pk").first()
    ticket = ActionItem.objects.filter(review_state="accepted").order_by("pk").first()
    pages = {
        "home": "/",
        "report list": "/reports/",
        "my reports": "/reports/mine/",
        "unsorted reports": "/reports/?view=unsorted",
        "report": f"/reports/{report.pk}/",
        "report form": "/reports/new/",
        "incident list": "/incidents/",
        "tags": "/incidents/tags/",
        "incident": f"/incidents/{report.incident_id}/",
        "post-mortem editor": f"/incidents/{reviewed.pk}/postmortem/?section=whys",
        "meeting agenda": "/postmortems/meeting/",
        "meeting": f"/postmortems/meeting/{reviewed.pk}/",
        "models": "/models/",
        "model": f"/models/{MODEL_NAME}/",
        "drift": f"/forensics/models/{MODEL_NAME}/drift/",
        "action items": "/actions/",
        "ticket": f"/actions/{ticket.pk}/",
        "tokens": "/account/tokens/",
        "account": "/account/",
        "API docs": "/api/docs/",
        "audit": "/audit/",
        "search": "/search/?q=cultivar",
        "insights": "/insights/",
    }
    replay = Replay.objects.order_by("pk").first()
    if replay is not None:
        pages["replay"] = f"/replays/{replay.pk}/"
    if every_section:
        for section in Section:
            editor = f"/incidents/{reviewed.pk}/postmortem/?section={section.value}"
            pages[f"post-mortem editor, {section.label}"] = editor
    return pages
