"""Closing an incident and reopening one of its tickets, from real concurrent transactions,
never leave a closed incident with an open accepted ticket: both lock the incident first, then
the ticket. And locking an incident for work locks only its row — not its model's, so work on
the model's other incidents goes on. Needs PostgreSQL: SQLite runs one writer at a time, so
there is no race to lose there, nor row locks to look at."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from apps.actions.models import ActionItem, TicketStatus
from apps.actions.services import action_item_transition
from apps.core.errors import Conflict
from apps.incidents.models import Incident, IncidentStatus
from apps.incidents.services import incident_transition, incident_update
from apps.postmortems.services import postmortem_present
from apps.registry.models import Model
from tests.actions.factories import ticket_world
from tests.row_locks import row_free_while, second_while_first_holds

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"),
]

# How long the first transaction holds its locks, waiting for the second to get through if it can.
HOLD_SECONDS = 2


def _resolved_with_ticket_done():
    world = ticket_world()
    action_item_transition(item_id=world.item.pk, actor=world.member, to="done")
    incident_transition(incident_id=world.incident.pk, to="resolved", actor=world.member)
    return world


def test_a_reopen_during_a_close_waits_for_it_and_is_refused():
    world = _resolved_with_ticket_done()

    # The close has found every accepted ticket finished and not committed yet.
    refusals = second_while_first_holds(
        lambda: incident_transition(incident_id=world.incident.pk, to="closed", actor=world.member),
        lambda: action_item_transition(item_id=world.item.pk, actor=world.member, to="open"),
        hold_seconds=HOLD_SECONDS)

    incident, item = Incident.objects.get(pk=world.incident.pk), ActionItem.objects.get(pk=world.item.pk)
    assert (incident.status, item.status) == (IncidentStatus.CLOSED, TicketStatus.DONE)
    assert len(refusals) == 1 and isinstance(refusals[0], Conflict)
    assert f"reopen INC-{incident.pk} first" in refusals[0].detail


def test_a_close_during_a_reopen_waits_for_it_and_sees_the_open_ticket():
    world = _resolved_with_ticket_done()

    refusals = second_while_first_holds(
        lambda: action_item_transition(item_id=world.item.pk, actor=world.member, to="open"),
        lambda: incident_transition(incident_id=world.incident.pk, to="closed", actor=world.member),
        hold_seconds=HOLD_SECONDS)

    incident, item = Incident.objects.get(pk=world.incident.pk), ActionItem.objects.get(pk=world.item.pk)
    assert (incident.status, item.status) == (IncidentStatus.RESOLVED, TicketStatus.OPEN)
    assert len(refusals) == 1 and isinstance(refusals[0], Conflict)
    assert "1 accepted action item is still open" in refusals[0].detail


def test_locking_an_incident_for_work_does_not_lock_its_model():
    world = ticket_world()

    free = row_free_while(
        lambda: incident_update(incident_id=world.incident.pk, actor=world.member, severity="critical"),
        lambda: Model.objects.select_for_update(nowait=True).get(pk=world.incident.model_id))

    assert free


def test_the_incident_itself_is_locked_meanwhile():
    """The check above looks at the right thing: the incident's own row is held."""
    world = ticket_world()

    free = row_free_while(
        lambda: incident_update(incident_id=world.incident.pk, actor=world.member, severity="critical"),
        lambda: Incident.objects.select_for_update(nowait=True).get(pk=world.incident.pk))

    assert not free


def test_moving_the_meeting_slide_does_not_lock_the_presenter_s_user_row():
    world = ticket_world()
    postmortem_present(incident_id=world.incident.pk, actor=world.member, section="summary", take_over=True)

    free = row_free_while(
        lambda: postmortem_present(incident_id=world.incident.pk, actor=world.member, section="timeline"),
        lambda: get_user_model().objects.select_for_update(nowait=True).get(pk=world.member.pk))

    assert free
