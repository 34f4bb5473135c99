"""My reports: each report a person filed, with what became of it in their words and when that
last changed — theirs only."""

import pytest
from django.test import Client

from apps.incidents.services import incident_transition
from tests.accounts.factories import access_world
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


def _page(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/reports/mine/")
    assert response.status_code == 200
    return response.content.decode()


def _row(html: str, report_id: int) -> str:
    start = html.index(f'data-report-id="{report_id}"')
    return html[start:html.index("</tr>", start)]


def test_each_report_shows_its_incidents_status_in_plain_words_and_when_it_changed():
    world = access_world()
    trained_version(world.model.name, "1.1", team=world.team)
    declined = file_report(reporter=world.reporter, version=world.version, index=100, output="virginica",
                           title="Scores look odd")
    assert declined.incident_id != world.incident.pk
    incident_transition(incident_id=world.incident.pk, to="resolved", actor=world.member, fixed_in_version="1.1")
    incident_transition(incident_id=declined.incident_id, to="declined", actor=world.member,
                        note="Expected for new customers.")
    waiting = file_report(reporter=world.reporter, version=world.version, index=60, output="versicolor",
                          title="Never looked at")

    html = _page(world.reporter)

    fixed_row = _row(html, world.report.pk)
    assert "Done</span> Fixed in version 1.1" in fixed_row
    assert "Not a bug</span> Declined — the model behaves as intended: Expected for new customers." in _row(
        html, declined.pk)
    assert "Received: the team has not looked at it yet" in _row(html, waiting.pk)
    assert "datetime=" in fixed_row or "title=" in fixed_row  # the date, readable, with the exact time


def test_only_the_persons_own_reports_are_listed():
    world = access_world()
    file_report(reporter=world.member, version=world.version, index=5, title="Filed by the member")

    assert "Filed by the member" not in _page(world.reporter)
    member_page = _page(world.member)
    assert "Filed by the member" in member_page and world.report.title not in member_page


def test_someone_who_never_reported_is_shown_how_to():
    world = access_world()
    assert "You have not filed a report yet" in _page(world.outsider)


def test_the_account_page_switches_report_emails_off_and_on():
    world = access_world()
    client = Client()
    client.force_login(world.reporter)

    def box(html: str) -> str:
        start = html.index('name="email_report_updates"')
        return html[html.rindex("<input", 0, start):html.index(">", start)]

    assert "checked" in box(client.get("/account/").content.decode())
    assert client.post("/account/", {}).status_code == 302
    assert "checked" not in box(client.get("/account/").content.decode())
    world.reporter.account_settings.refresh_from_db()
    assert world.reporter.account_settings.email_report_updates is False

    client.post("/account/", {"email_report_updates": "on"})
    world.reporter.account_settings.refresh_from_db()
    assert world.reporter.account_settings.email_report_updates is True
