"""An incident closes only when every accepted action item of its post-mortem is done or
won't-do; without a post-mortem nothing changes."""

from __future__ import annotations

import pytest

from apps.actions.services import action_item_review, action_item_transition
from apps.core.errors import Conflict
from apps.incidents.hooks import incident_close_asked, incident_close_blockers
from apps.incidents.models import IncidentStatus
from apps.incidents.services import incident_transition
from apps.postmortems.services import action_item_propose
from tests.accounts.factories import token_client
from tests.actions.factories import accepted_ticket, ticket_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = ticket_world()
    world.second = accepted_ticket(world, title="Document the unit of duration_s", kind="process", owner=None)
    incident_transition(incident_id=world.incident.pk, to="resolved", actor=world.member)
    return world


def test_open_tickets_keep_the_incident_from_closing_and_are_listed(world):
    action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")

    with pytest.raises(Conflict) as raised:
        incident_transition(incident_id=world.incident.pk, to="closed", actor=world.member)

    error = raised.value
    assert error.status == 409
    assert f"INC-{world.incident.pk} cannot close while 2 accepted action items are still open" in error.detail
    assert f"AI-{world.item.pk} “Alert when a feature's unit changes” (in progress)" in error.detail
    assert [(row["id"], row["status"], row["owner"]) for row in error.extra["open_action_items"]] == [
        (world.item.pk, "in_progress", "member"), (world.second.pk, "open", None)]
    assert error.extra["allowed_transitions"] == ["open"]


def test_done_and_wont_do_tickets_let_it_close(world):
    action_item_transition(item_id=world.item.pk, actor=world.member, to="done")
    action_item_transition(item_id=world.second.pk, actor=world.member, to="wont_do",
                           reason="The new schema registry documents units.")

    closed = incident_transition(incident_id=world.incident.pk, to="closed", actor=world.member)

    assert closed.status == IncidentStatus.CLOSED


def test_proposed_and_rejected_items_do_not_count(world):
    for ticket in (world.item, world.second):
        action_item_transition(item_id=ticket.pk, actor=world.member, to="done")
    rejected = action_item_propose(incident_id=world.incident.pk, actor=world.member, title="Blame", kind="process")
    action_item_review(item_id=rejected.pk, actor=world.reviewer, decision="reject", reason="Not blameless.")

    assert incident_transition(incident_id=world.incident.pk, to="closed", actor=world.member).status == "closed"


def test_the_api_answers_409_listing_the_open_items(world):
    response = token_client(world.member).post(f"/api/v1/incidents/{world.incident.pk}/transition/",
                                               {"to": "closed"}, format="json")

    assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert {row["id"] for row in body["open_action_items"]} == {world.item.pk, world.second.pk}
    assert "Mark each done, or won't do with a reason" in body["detail"]


def test_a_reopened_ticket_blocks_closing_again(world):
    for ticket in (world.item, world.second):
        action_item_transition(item_id=ticket.pk, actor=world.member, to="done")
    action_item_transition(item_id=world.second.pk, actor=world.member, to="open")

    with pytest.raises(Conflict, match="1 accepted action item is still open"):
        incident_transition(incident_id=world.incident.pk, to="closed", actor=world.member)


def test_the_actions_app_answers_when_incidents_ask_what_keeps_one_open(world):
    # Incidents sit below action items and ask through a signal: the answer must be wired.
    blockers = incident_close_blockers(incident=world.incident)

    assert [(blocker.id, blocker.status, blocker.owner) for blocker in blockers] == [
        (world.item.pk, "open", "member"), (world.second.pk, "open", None)]


def test_a_close_check_that_fails_keeps_the_incident_from_closing(world):
    for ticket in (world.item, world.second):
        action_item_transition(item_id=ticket.pk, actor=world.member, to="done")

    def broken(sender=None, **kwargs):
        raise RuntimeError("the tracker is down")

    incident_close_asked.connect(broken, dispatch_uid="test.broken")
    try:
        with pytest.raises(RuntimeError):
            incident_transition(incident_id=world.incident.pk, to="closed", actor=world.member)
    finally:
        incident_close_asked.disconnect(dispatch_uid="test.broken")

    world.incident.refresh_from_db()
    assert world.incident.status == IncidentStatus.RESOLVED
