"""In a real browser: the team resolves an incident with the fix's version; the person who
reported it finds the news on My reports and in one e-mail (Django's test mail backend), and
can switch those e-mails off on their account page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.accounts.factories import access_world
from tests.e2e.conftest import log_in
from tests.e2e.test_incident_console_e2e import make_move
from tests.registry.factories import trained_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_reporter_sees_the_fix_on_my_reports_and_gets_one_email(page, browser, live_server):
    world = access_world()
    trained_version(world.model.name, "1.1", team=world.team)

    log_in(page, world.reporter.username)
    page.get_by_role("navigation", name="Main").locator("#person-menu > summary").click()  # the person's menu
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_role("link", name="My reports").click()
    row = page.get_by_role("row", name=re.compile(f"WTF-{world.report.pk}"))
    expect(row).to_contain_text("Received: the team has not looked at it yet")

    team = browser.new_context(base_url=live_server.url)
    try:
        member = team.new_page()
        log_in(member, world.member.username)
        member.goto(f"/incidents/{world.incident.pk}/")
        make_move(member, "Resolve", **{"Fix shipped in version": "1.1"})
        expect(member.locator("#incident-status")).to_have_text("Resolved")
    finally:
        team.close()

    page.reload()
    expect(row).to_contain_text("Fixed in version 1.1")
    expect(row.locator("time").first).to_have_text("just now")
    assert [message.to for message in mail.outbox] == [[world.reporter.email]]
    assert mail.outbox[0].subject == f"WTF-{world.report.pk}: fixed in version 1.1"

    page.get_by_role("navigation", name="Main").locator("#person-menu > summary").click()  # the person's menu
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    page.get_by_label("E-mail me when something happens to a report I filed").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").or_(page.locator(".messages"))).to_contain_text(
        "You will get no more e-mails about your reports")
