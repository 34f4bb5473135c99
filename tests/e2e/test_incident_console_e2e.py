"""A team member runs an incident from its page alone: triage, investigate, resolve with the
fix's version, close once the tickets are done (refused before, with the ticket linked);
decline with an explanation the reporter then reads; assign it to themselves. With JavaScript
the console changes in place (no page load); without it, the same buttons are plain forms."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.actions.services import action_item_transition
from apps.incidents.models import IncidentStatus
from tests.accounts.factories import access_world
from tests.actions.factories import ticket_world
from tests.e2e.conftest import log_in
from tests.registry.factories import trained_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def make_move(page, name: str, **fields) -> None:
    """Clicks the move's button, fills what its form asks for, and confirms with the button of
    the same name (the form takes the move bar's place)."""
    console = page.locator("#incident-console")
    console.get_by_role("button", name=name, exact=True).click()
    form = console.locator("#move-form")
    expect(form.get_by_role("heading")).to_have_text(re.compile(rf"^{name} INC-"))
    for label, value in fields.items():
        field = form.get_by_label(label)
        if field.evaluate("element => element.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.get_by_role("button", name=name, exact=True).click()


def test_triage_investigate_resolve_and_close_in_place(page, login):
    world = ticket_world()
    trained_version("fraud-score", version="1.1")
    login(world.member)
    page.goto(f"/incidents/{world.incident.pk}/")
    # Set on this document: still there after the moves means nothing reloaded the page.
    page.evaluate("window.stillTheSamePage = true")
    console = page.locator("#incident-console")
    status = console.locator("#incident-status")
    expect(status).to_have_text("Open")
    expect(page.get_by_text("Allowed next statuses")).to_have_count(0)

    make_move(page, "Triage", **{"Note (optional)": "Proline reads 1000× the reference."})
    expect(status).to_have_text("Triaged")
    expect(console.get_by_role("status")).to_have_text(f"INC-{world.incident.pk} is now triaged.")
    expect(page.locator("#history")).to_contain_text("from open to triaged")

    make_move(page, "Start investigating")
    expect(status).to_have_text("Investigating")
    expect(console.get_by_role("button", name="Triage", exact=True)).to_have_count(0)

    make_move(page, "Resolve", **{"Fix shipped in version": "1.1", "What fixed it (optional)": "Unit fixed."})
    expect(status).to_have_text("Resolved")
    expect(console.locator("#incident-fix")).to_have_text("1.1")

    # The ticket is still open: closing is refused, and the page links the ticket.
    make_move(page, "Close")
    refusal = console.get_by_role("alert")
    expect(refusal).to_contain_text("cannot close while 1 accepted action item is still open")
    expect(refusal.get_by_role("link", name=f"AI-{world.item.pk} Alert when a feature's unit changes")) \
        .to_have_attribute("href", f"/actions/{world.item.pk}/")
    expect(status).to_have_text("Resolved")

    action_item_transition(item_id=world.item.pk, actor=world.member, to="done")
    make_move(page, "Close")
    expect(status).to_have_text("Closed")
    expect(console.get_by_role("button", name="Reopen")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True
    world.incident.refresh_from_db()
    assert world.incident.status == IncidentStatus.CLOSED and world.incident.fixed_in_version.version == "1.1"


def test_decline_with_an_explanation_the_reporter_then_reads_and_assign_to_me(page, login):
    world = access_world()
    login(world.member)
    page.goto(f"/incidents/{world.incident.pk}/")
    console = page.locator("#incident-console")

    console.get_by_role("button", name="Assign to me").click()
    expect(console.locator("#incident-owner")).to_have_text("member")
    expect(console.get_by_role("button", name="Assign to me")).to_have_count(0)

    # Declining asks for the explanation first.
    console.get_by_role("button", name="Decline").click()
    console.locator("#move-form").get_by_role("button", name="Decline").click()
    expect(console.get_by_label("Explanation the reporters will read")).to_have_attribute("required", "")
    page.evaluate("document.querySelector('#move-note').removeAttribute('required')")
    console.locator("#move-form").get_by_role("button", name="Decline").click()
    expect(console.locator("#move-note-errors")).to_have_text("Required when declining.")

    console.get_by_label("Explanation the reporters will read").fill(
        "Scores above 0.9 are **expected** for accounts opened this week.")
    console.locator("#move-form").get_by_role("button", name="Decline").click()
    expect(console.locator("#incident-status")).to_have_text("Declined (expected behaviour)")

    page.locator("#person-menu > summary").click()  # Sign out sits in the signed-in person's menu
    page.get_by_role("button", name="Sign out").click()
    log_in(page, world.reporter.username)
    page.goto(f"/reports/{world.report.pk}/")
    explanation = page.locator("section", has=page.get_by_role("heading", name="Why this is expected behaviour"))
    expect(explanation).to_contain_text("Scores above 0.9 are expected for accounts opened this week.")
    expect(explanation.locator("strong")).to_have_text("expected")
    page.goto(f"/incidents/{world.incident.pk}/")
    expect(page.locator("#incident-status")).to_have_text("Declined (expected behaviour)")
    expect(page.locator("#incident-console").get_by_role("button")).to_have_count(0)


def test_without_javascript_the_buttons_are_plain_forms(browser, live_server):
    world = access_world()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, world.member.username)
        page.goto(f"/incidents/{world.incident.pk}/")

        page.get_by_role("button", name="Triage", exact=True).click()
        expect(page).to_have_url(re.compile(r"/transition/\?to=triaged$"))
        page.locator("#move-form").get_by_role("button", name="Triage", exact=True).click()

        expect(page).to_have_url(re.compile(rf"/incidents/{world.incident.pk}/$"))
        expect(page.locator("#incident-status")).to_have_text("Triaged")
        expect(page.get_by_role("status")).to_contain_text("is now triaged")
        page.get_by_label("Severity").select_option("critical")
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator("#incident-severity")).to_have_text("Critical")
    finally:
        context.close()
