"""The incident console: status moves as buttons (only those allowed now, only for people who
may change the incident), each asking for what it needs and going through the API's services;
severity and owner edited in place. Plain form posts and htmx requests alike."""

from __future__ import annotations

import re

import pytest

from apps.actions.services import action_item_transition
from apps.audit.models import AuditEvent
from apps.incidents.models import IncidentStatus
from apps.incidents.services import incident_transition, incident_update
from tests.accounts.factories import access_world, member_of
from tests.actions.factories import ticket_world
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

MOVES = ["Triage", "Start investigating", "Mark mitigated", "Resolve", "Close", "Decline", "Mark duplicate", "Reopen"]
HTMX = {"HTTP_HX_REQUEST": "true"}


def buttons(html: str) -> list[str]:
    """The text of every status-move button on the page, in order."""
    return [name for name in re.findall(r"<button[^>]*>([^<]+)</button>", html) if name in MOVES]


@pytest.fixture
def world():
    return access_world()


def url(world, action: str = "") -> str:
    return f"/incidents/{world.incident.pk}/{action}"


def test_the_team_sees_the_moves_allowed_now_and_no_status_list(client, world):
    client.force_login(world.member)
    html = client.get(url(world)).content.decode()

    assert buttons(html) == ["Triage", "Start investigating", "Mark mitigated", "Resolve", "Decline"]
    assert "Allowed next statuses" not in html

    incident_transition(incident_id=world.incident.pk, to="resolved", actor=world.member)
    assert buttons(client.get(url(world)).content.decode()) == ["Close", "Reopen"]


def test_mark_duplicate_is_offered_when_there_is_an_incident_to_point_at(client, world):
    file_report(reporter=world.reporter, version=world.version, index=100)  # another output: another incident
    client.force_login(world.member)

    assert "Mark duplicate" in buttons(client.get(url(world)).content.decode())


@pytest.mark.parametrize("role", ["reporter", "outsider"])
def test_people_who_may_not_change_it_see_the_status_and_no_buttons(client, world, role):
    client.force_login(getattr(world, role))
    html = client.get(url(world)).content.decode()

    assert 'id="incident-status"' in html and ">Open</span>" in html
    assert buttons(html) == []
    assert "Assign to me" not in html and 'id="fields-form"' not in html


@pytest.mark.parametrize(("role", "restricted", "status"), [
    ("reporter", False, 403), ("outsider", False, 403), ("outsider", True, 404)])
def test_others_cannot_move_or_edit_it(client, world, role, restricted, status):
    if restricted:
        incident_update(incident_id=world.incident.pk, actor=world.member, restricted=True)
    client.force_login(getattr(world, role))

    assert client.get(url(world, "transition/"), {"to": "triaged"}).status_code == status
    assert client.post(url(world, "transition/"), {"to": "triaged"}).status_code == status
    assert client.post(url(world, "update/"), {"severity": "critical"}).status_code == status
    world.incident.refresh_from_db()
    assert (world.incident.status, world.incident.severity) == ("open", "medium")


def test_resolve_asks_for_the_fix_version_among_the_registered_ones_and_records_it(client, world):
    trained_version("fraud-score", version="1.1")
    client.force_login(world.member)

    form = client.get(url(world, "transition/"), {"to": "resolved"}).content.decode()
    assert '<label for="move-fixed-in-version">Fix shipped in version</label>' in form
    assert re.findall(r'<option value="([^"]*)"', form.split('id="move-fixed-in-version"')[1].split("</select>")[0]) \
        == ["", "1.1", "1.0"]
    assert buttons(form) == ["Resolve"]  # the move bar gives way to the form

    response = client.post(url(world, "transition/"), {"to": "resolved", "fixed_in_version": "1.1",
                                                         "note": "Retrained with seconds."}, follow=True)

    assert response.redirect_chain[-1][0] == url(world)
    html = response.content.decode()
    assert f"INC-{world.incident.pk} is now resolved." in html
    assert '<dd id="incident-fix"><code>1.1</code></dd>' in html
    world.incident.refresh_from_db()
    assert world.incident.status == IncidentStatus.RESOLVED and world.incident.fixed_in_version.version == "1.1"
    event = AuditEvent.objects.filter(action="incident.transition").latest("id")
    assert event.new == {"status": "resolved", "note": "Retrained with seconds.", "fixed_in_version": "1.1"}


def test_declining_without_an_explanation_shows_what_to_fix(client, world):
    client.force_login(world.member)

    response = client.post(url(world, "transition/"), {"to": "declined", "note": "  "})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="move-form"' in html and "Required when declining." in html
    assert '<label for="move-note">Explanation the reporters will read</label>' in html
    world.incident.refresh_from_db()
    assert world.incident.status == IncidentStatus.OPEN


def test_an_unknown_fix_version_is_refused_with_the_form(client, world):
    client.force_login(world.member)

    response = client.post(url(world, "transition/"), {"to": "resolved", "fixed_in_version": "9.9"})

    assert response.status_code == 400
    assert "Select a valid choice. 9.9 is not one of the available choices." in response.content.decode()


def test_garbage_moves_answer_4xx_never_500(client, world):
    client.force_login(world.member)

    assert client.post(url(world, "transition/"), {"to": "flying"}).status_code == 400
    assert client.post(url(world, "transition/"), {}).status_code == 400
    assert client.get(url(world, "transition/"), {"to": "flying"}).status_code == 409
    assert client.post(url(world, "update/"), {"severity": "apocalyptic"}).status_code == 400
    assert client.post(url(world, "update/"), {}).status_code == 400


def test_a_move_the_page_no_longer_allows_says_why(client, world):
    client.force_login(world.member)

    response = client.post(url(world, "transition/"), {"to": "closed"})

    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="move-refused"' in html and "Incident cannot move from &#x27;open&#x27; to &#x27;closed&#x27;" in html
    assert buttons(html)[0] == "Triage"  # the moves that are allowed, offered again


def test_close_refused_while_tickets_are_open_links_what_blocks_it(client):
    world = ticket_world()
    incident_transition(incident_id=world.incident.pk, to="resolved", actor=world.member)
    client.force_login(world.member)

    response = client.post(url(world, "transition/"), {"to": "closed"})

    assert response.status_code == 409
    html = response.content.decode()
    assert "cannot close while 1 accepted action item is still open" in html
    assert f'<a href="/actions/{world.item.pk}/">AI-{world.item.pk} Alert when a feature&#x27;s unit changes</a>' \
        in html

    action_item_transition(item_id=world.item.pk, actor=world.member, to="done")
    assert client.post(url(world, "transition/"), {"to": "closed"}).status_code == 302
    world.incident.refresh_from_db()
    assert world.incident.status == IncidentStatus.CLOSED


def test_mark_duplicate_merges_into_the_chosen_incident(client, world):
    target = file_report(reporter=world.reporter, version=world.version, index=100).incident
    client.force_login(world.member)

    assert client.post(url(world, "transition/"), {"to": "duplicate"}).status_code == 400
    response = client.post(url(world, "transition/"), {"to": "duplicate", "into": target.pk, "note": "Same bug."})

    assert response.status_code == 302
    world.incident.refresh_from_db()
    assert world.incident.status == IncidentStatus.DUPLICATE and world.incident.merged_into_id == target.pk
    assert target.reports.filter(pk=world.report.pk).exists()


def test_htmx_gets_the_console_in_place_not_the_whole_page(client, world):
    client.force_login(world.member)

    opened = client.get(url(world, "transition/"), {"to": "triaged"}, **HTMX).content.decode()
    assert opened.lstrip().startswith("<section") and "<html" not in opened
    assert 'id="move-form"' in opened and 'hx-post="/incidents/' in opened

    refused = client.post(url(world, "transition/"), {"to": "declined"}, **HTMX)
    assert refused.status_code == 400 and "Required when declining." in refused.content.decode()

    moved = client.post(url(world, "transition/"), {"to": "triaged", "note": "Seen it."}, **HTMX)
    html = moved.content.decode()
    assert moved.status_code == 200 and "<html" not in html
    assert f"INC-{world.incident.pk} is now triaged." in html and ">Triaged</span>" in html
    assert 'id="history"' in html and 'hx-swap-oob="true"' in html and "from open to triaged" in html


def test_severity_and_owner_change_in_place_through_the_audited_service(client, world):
    client.force_login(world.member)
    html = client.get(url(world)).content.decode()
    owners = re.findall(r'<option value="([^"]*)"', html.split('id="incident-owner-select"')[1].split("</select>")[0])
    assert owners == ["", "member", "reviewer"]  # nobody, or one of the owning team (its bot is no person)

    response = client.post(url(world, "update/"), {"severity": "critical", "owner": "reviewer"}, follow=True)

    assert f"INC-{world.incident.pk}: severity critical, owned by reviewer." in response.content.decode()
    world.incident.refresh_from_db()
    assert (world.incident.severity, world.incident.owner) == ("critical", world.reviewer)
    event = AuditEvent.objects.filter(action="incident.update").latest("id")
    assert event.new == {"severity": "critical", "owner": "reviewer"}


def test_the_owner_is_one_of_the_team(client, world):
    client.force_login(world.member)

    response = client.post(url(world, "update/"), {"owner": world.outsider.username})

    assert response.status_code == 400
    assert "Select a valid choice. outsider is not one of the available choices." in response.content.decode()
    world.incident.refresh_from_db()
    assert world.incident.owner is None


def test_assign_to_me(client, world):
    newcomer = member_of(world.team, username="newcomer")
    client.force_login(newcomer)
    assert "Assign to me" in client.get(url(world)).content.decode()

    response = client.post(url(world, "update/"), {"owner": "newcomer"}, **HTMX)

    html = response.content.decode()
    assert '<dd id="incident-owner">newcomer</dd>' in html and "Assign to me" not in html
    world.incident.refresh_from_db()
    assert world.incident.owner == newcomer
