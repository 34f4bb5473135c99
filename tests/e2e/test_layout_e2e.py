"""Every main page on a phone (390×844) and on a meeting-room projector (1920×1080): the page
never scrolls sideways (wide tables scroll inside their own region), and on the phone the
navigation folds behind a Menu button that opens it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.actions.models import ActionItem
from apps.demo.postmortem import HOME_MODEL
from apps.demo.services import DEMO_PASSWORD, DEMO_USERNAME, MODEL_NAME, seed_demo
from apps.incidents.models import Incident
from apps.replays.models import Replay
from apps.reports.models import Report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "projector": {"width": 1920, "height": 1080}}


def _main_pages() -> dict[str, str]:
    report = Report.objects.get(title="Every wine on the cellar page is suddenly the same cultivar")
    reviewed = Incident.objects.filter(model__name=HOME_MODEL).order_by("pk").first()
    pages = {
        "home": "/",
        "report list": "/reports/",
        "report": f"/reports/{report.pk}/",
        "report form": "/reports/new/",
        "incident list": "/incidents/",
        "incident": f"/incidents/{report.incident_id}/",
        "post-mortem editor": f"/incidents/{reviewed.pk}/postmortem/?section=whys",
        "meeting agenda": "/postmortems/meeting/",
        "meeting": f"/postmortems/meeting/{reviewed.pk}/",
        "models": "/models/",
        "model": f"/models/{MODEL_NAME}/",
        "drift": f"/forensics/models/{MODEL_NAME}/drift/",
        "action items": "/actions/",
        "tokens": "/account/tokens/",
        "audit": "/audit/",
        "api docs": "/api/docs/",
    }
    ticket = ActionItem.objects.order_by("pk").first()
    if ticket is not None:
        pages["ticket"] = f"/actions/{ticket.pk}/"
    replay = Replay.objects.order_by("pk").first()
    if replay is not None:
        pages["replay"] = f"/replays/{replay.pk}/"
    return pages


def _overflow(page) -> int:
    """How many pixels the document is wider than the viewport (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_no_main_page_scrolls_sideways_on_a_phone_or_a_projector(browser, live_server):
    seed_demo()
    pages = _main_pages()
    too_wide = []
    for name, size in VIEWPORTS.items():
        context = browser.new_context(base_url=live_server.url, viewport=size, locale="en-US")
        page = context.new_page()
        try:
            log_in_anywhere(page)
            for label, url in pages.items():
                response = page.goto(url)
                assert response.status < 400, f"{label} ({url}) answered {response.status}"
                if (extra := _overflow(page)) > 0:
                    too_wide.append(f"{label} at {name} width: {extra} px too wide ({url})")
        finally:
            context.close()
    assert too_wide == []


def log_in_anywhere(page) -> None:
    """Signs in on any screen size: on a phone the Menu button must open the navigation first."""
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(DEMO_USERNAME)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
        menu.click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def test_on_a_phone_the_navigation_opens_from_the_menu_button_and_closes_with_escape(browser, live_server):
    seed_demo()
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["phone"], locale="en-US")
    page = context.new_page()
    try:
        log_in_anywhere(page)
        navigation = page.get_by_role("navigation", name="Main")
        navigation.get_by_role("link", name="Incidents").click()
        expect(navigation).to_be_hidden()
        menu = page.get_by_role("button", name="Menu")
        expect(menu).to_have_attribute("aria-expanded", "false")
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(navigation.get_by_role("link", name="Reports")).to_be_visible()
        page.keyboard.press("Escape")
        expect(navigation).to_be_hidden()
        expect(menu).to_be_focused()
    finally:
        context.close()
