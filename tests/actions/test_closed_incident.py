"""A closed incident's accepted action items are all finished (closing checks it), and they
stay so while it is closed: reopening or accepting one is refused with a 409 that says to
reopen the incident first — in the service, the API and the pages. Rejecting is still fine."""

from __future__ import annotations

import pytest

from apps.actions.models import ActionItem, ReviewState, TicketStatus
from apps.actions.services import action_item_review, action_item_transition
from apps.core.errors import Conflict
from apps.incidents.models import IncidentStatus
from apps.incidents.services import incident_transition
from apps.postmortems.services import action_item_propose
from tests.accounts.factories import token_client

from .factories import ticket_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """`ticket_world()` with its ticket done, a proposal nobody has reviewed yet, and the
    incident resolved then closed (a proposal does not keep it open)."""
    world = ticket_world()
    world.proposal = action_item_propose(incident_id=world.incident.pk, actor=world.member,
                                         title="Check units at the feature store", kind="preventive")
    action_item_transition(item_id=world.item.pk, actor=world.member, to="done")
    incident_transition(incident_id=world.incident.pk, to="resolved", actor=world.member)
    incident_transition(incident_id=world.incident.pk, to="closed", actor=world.member)
    return world


def _status(item: ActionItem) -> tuple[str, str]:
    item.refresh_from_db()
    return item.review_state, item.status


def test_reopening_a_ticket_of_a_closed_incident_is_refused_until_the_incident_reopens(world):
    with pytest.raises(Conflict) as raised:
        action_item_transition(item_id=world.item.pk, actor=world.member, to="open")

    inc, item = world.incident.pk, world.item.pk
    assert raised.value.status == 409
    assert raised.value.detail == f"INC-{inc} is closed, so AI-{item} cannot be reopened: reopen INC-{inc} first."
    assert raised.value.extra["incident_status"] == "closed" and raised.value.extra["allowed_transitions"] == []
    assert _status(world.item) == (ReviewState.ACCEPTED, TicketStatus.DONE)

    incident_transition(incident_id=inc, to="open", actor=world.member)
    assert action_item_transition(item_id=world.item.pk, actor=world.member, to="open").status == TicketStatus.OPEN


def test_accepting_an_action_point_of_a_closed_incident_is_refused_rejecting_is_not(world):
    with pytest.raises(Conflict, match=rf"INC-{world.incident.pk} is closed, so AI-{world.proposal.pk} cannot be "
                                       rf"accepted: reopen INC-{world.incident.pk} first"):
        action_item_review(item_id=world.proposal.pk, actor=world.reviewer, decision="accept")
    assert _status(world.proposal)[0] == ReviewState.PROPOSED

    rejected = action_item_review(item_id=world.proposal.pk, actor=world.reviewer, decision="reject",
                                  reason="Covered by the schema registry.")
    assert rejected.review_state == ReviewState.REJECTED
    world.incident.refresh_from_db()
    assert world.incident.status == IncidentStatus.CLOSED


def test_the_api_answers_409_problem_json_naming_the_incident_to_reopen(world):
    inc = world.incident.pk
    reopen = token_client(world.member).post(f"/api/v1/action-items/{world.item.pk}/transition/", {"to": "open"},
                                             format="json")
    accept = token_client(world.reviewer).post(f"/api/v1/action-items/{world.proposal.pk}/review/",
                                               {"decision": "accept"}, format="json")

    for response in (reopen, accept):
        assert response.status_code == 409 and response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"].endswith(f"reopen INC-{inc} first.")
        assert response.json()["incident"] == inc
    assert _status(world.item) == (ReviewState.ACCEPTED, TicketStatus.DONE)
    assert _status(world.proposal)[0] == ReviewState.PROPOSED


def test_the_pages_explain_the_refusal(world, client):
    inc = world.incident.pk
    client.force_login(world.member)
    moved = client.post(f"/actions/{world.item.pk}/transition/", {"to": "open"}, follow=True)
    assert f"AI-{world.item.pk} was not moved: INC-{inc} is closed" in moved.content.decode()
    assert f"reopen INC-{inc} first" in moved.content.decode()

    client.force_login(world.reviewer)
    reviewed = client.post(f"/incidents/{inc}/postmortem/actions/{world.proposal.pk}/review/", {"decision": "accept"})
    assert reviewed.status_code == 409 and f"reopen INC-{inc} first" in reviewed.content.decode()
    assert _status(world.item) == (ReviewState.ACCEPTED, TicketStatus.DONE)
    assert _status(world.proposal)[0] == ReviewState.PROPOSED


def test_a_done_ticket_of_a_closed_incident_offers_no_reopen_until_the_incident_reopens(world, client):
    api = token_client(world.member)
    assert "open" not in api.get(f"/api/v1/action-items/{world.item.pk}/").json()["allowed_transitions"]
    client.force_login(world.member)
    board = client.get("/actions/").content.decode()
    assert f"Reopen<span class=\"visually-hidden\"> AI-{world.item.pk}</span>" not in board

    incident_transition(incident_id=world.incident.pk, to="open", actor=world.member)
    assert "open" in api.get(f"/api/v1/action-items/{world.item.pk}/").json()["allowed_transitions"]
    board = client.get("/actions/").content.decode()
    assert f"Reopen<span class=\"visually-hidden\"> AI-{world.item.pk}</span>" in board
