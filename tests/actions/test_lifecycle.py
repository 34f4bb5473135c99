"""A ticket's life: moved along its state machine by the team or its owner, edited with
validation, commented on — every change audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.actions.models import ActionItem, ActionItemComment, ReviewState, TicketStatus
from apps.actions.services import (
    action_item_comment_add,
    action_item_review,
    action_item_transition,
    action_item_update,
)
from apps.audit.models import AuditEvent
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, NotFound, PermissionDenied
from apps.incidents.services import incident_update
from apps.postmortems.services import action_item_propose
from tests.accounts.factories import UserFactory
from tests.registry.factories import trained_version

from .factories import accepted_ticket, make_overdue, ticket_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return ticket_world()


def _audit(item: ActionItem, action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(target_type="actions.actionitem", target_id=str(item.pk), action=action)
                .order_by("created_at", "id"))


def test_an_accepted_ticket_is_open_owned_and_due_by_its_priority(world):
    item = world.item
    assert (item.review_state, item.status, item.owner, item.priority) == (
        ReviewState.ACCEPTED, TicketStatus.OPEN, world.member, "P2")
    assert item.due_date == timezone.localdate() + timedelta(days=56)


def test_a_ticket_moves_open_in_progress_done_and_every_move_is_audited(world):
    action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")
    item = action_item_transition(item_id=world.item.pk, actor=world.member, to="done")

    assert item.status == TicketStatus.DONE and not item.is_overdue
    moves = [(event.old["status"], event.new["status"], event.actor_label)
             for event in _audit(item, "action_item.transition")]
    assert moves == [("open", "in_progress", "member"), ("in_progress", "done", "member")]


def test_an_illegal_move_names_the_allowed_ones(world):
    action_item_transition(item_id=world.item.pk, actor=world.member, to="done")

    with pytest.raises(IllegalTransition) as raised:
        action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")

    assert raised.value.status == 409
    assert raised.value.allowed == ["open"]
    assert "cannot move from 'done' to 'in_progress'" in raised.value.detail


def test_wont_do_needs_a_reason_which_stays_on_record_until_reopened(world):
    with pytest.raises(InvalidInput, match="Say why"):
        action_item_transition(item_id=world.item.pk, actor=world.member, to="wont_do", reason="  ")

    item = action_item_transition(item_id=world.item.pk, actor=world.member, to="wont_do",
                                  reason="The feature is being removed next sprint.")
    assert item.wont_do_reason == "The feature is being removed next sprint."
    assert action_item_transition(item_id=item.pk, actor=world.member, to="open").wont_do_reason == ""


def test_a_proposed_item_is_not_a_ticket_yet(world):
    proposed = action_item_propose(incident_id=world.incident.pk, actor=world.member, title="Add a drift alarm",
                                   kind="detective")

    with pytest.raises(Conflict, match="not a ticket"):
        action_item_transition(item_id=proposed.pk, actor=world.member, to="in_progress")


def test_the_owner_moves_their_ticket_even_from_outside_the_team_and_others_only_look(world):
    helper = UserFactory(username="platform-engineer")
    action_item_update(item_id=world.item.pk, actor=world.member, owner="platform-engineer")

    assert action_item_transition(item_id=world.item.pk, actor=helper, to="in_progress").status == "in_progress"
    with pytest.raises(PermissionDenied):
        action_item_transition(item_id=world.item.pk, actor=world.outsider, to="done")
    with pytest.raises(PermissionDenied):
        action_item_transition(item_id=world.item.pk, actor=world.reporter, to="done")


def test_a_restricted_incident_s_tickets_are_not_found_by_outsiders(world):
    incident_update(incident_id=world.incident.pk, actor=None, restricted=True)

    with pytest.raises(NotFound):
        action_item_transition(item_id=world.item.pk, actor=world.outsider, to="in_progress")


# --- Edits ----------------------------------------------------------------------------------------

def test_owner_due_date_priority_and_link_change_together_and_are_audited(world):
    later = timezone.localdate() + timedelta(days=10)
    item = action_item_update(item_id=world.item.pk, actor=world.member, owner="reviewer", due_date=later,
                              priority="P1", external_url="https://github.com/acme/fraud/issues/12")

    assert (item.owner, item.due_date, item.priority, item.external_url) == (
        world.reviewer, later, "P1", "https://github.com/acme/fraud/issues/12")
    [event] = _audit(item, "action_item.update")
    assert event.old["owner"] == "member" and event.new["owner"] == "reviewer"
    assert event.new["due_date"] == later.isoformat() and event.new["priority"] == "P1"


def test_an_unknown_owner_is_refused_naming_the_field(world):
    with pytest.raises(InvalidInput) as raised:
        action_item_update(item_id=world.item.pk, actor=world.member, owner="nobody-by-that-name")

    assert raised.value.errors == {"owner": ["Unknown user."]}
    assert "no active user 'nobody-by-that-name'" in raised.value.detail


def test_an_owner_who_may_not_see_a_restricted_incident_is_refused(world):
    incident_update(incident_id=world.incident.pk, actor=None, restricted=True)

    with pytest.raises(InvalidInput, match="may not see INC-"):
        action_item_update(item_id=world.item.pk, actor=world.member, owner="outsider")


def test_a_due_date_in_the_past_is_refused_but_an_overdue_ticket_can_still_be_edited(world):
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(InvalidInput) as raised:
        action_item_update(item_id=world.item.pk, actor=world.member, due_date=yesterday)
    assert "is in the past" in raised.value.detail and "due_date" in raised.value.errors

    overdue = make_overdue(world.item)
    item = action_item_update(item_id=overdue.pk, actor=world.member, due_date=overdue.due_date, priority="P1")
    assert item.priority == "P1" and item.due_date == overdue.due_date


def test_the_frozen_today_decides_what_is_past(world):
    with pytest.raises(InvalidInput):
        action_item_update(item_id=world.item.pk, actor=world.member, due_date=date(2030, 1, 9),
                           today=date(2030, 1, 10))
    assert action_item_update(item_id=world.item.pk, actor=world.member, due_date=date(2030, 1, 10),
                              today=date(2030, 1, 10)).due_date == date(2030, 1, 10)


def test_a_ticket_keeps_a_due_date(world):
    with pytest.raises(InvalidInput, match="keeps a due date"):
        action_item_update(item_id=world.item.pk, actor=world.member, due_date=None)


def test_a_due_date_given_at_acceptance_must_not_be_in_the_past(world):
    proposed = action_item_propose(incident_id=world.incident.pk, actor=world.member, title="Backfill", kind="process")

    with pytest.raises(InvalidInput, match="in the past"):
        action_item_review(item_id=proposed.pk, actor=world.reviewer, decision="accept",
                           due_date=timezone.localdate() - timedelta(days=1))


@pytest.mark.parametrize("url", ["javascript:alert(1)", "not a link", "ftp://example.com/issue/1",
                                 "https://example.com/" + "x" * 500])
def test_the_external_link_is_an_http_address(world, url):
    with pytest.raises(InvalidInput) as raised:
        action_item_update(item_id=world.item.pk, actor=world.member, external_url=url)
    assert "external_url" in raised.value.errors


def test_a_corrective_item_records_the_version_with_the_fix_and_others_may_not(world):
    corrective = accepted_ticket(world, title="Convert seconds back to milliseconds", kind="corrective")
    trained_version(world.model.name, "2.0")

    item = action_item_update(item_id=corrective.pk, actor=world.member, fixed_in_version="2.0")
    assert item.fixed_in_version.version == "2.0"
    with pytest.raises(InvalidInput) as unknown:
        action_item_update(item_id=corrective.pk, actor=world.member, fixed_in_version="9.9")
    assert "no version '9.9'" in unknown.value.detail and "fixed_in_version" in unknown.value.errors
    with pytest.raises(InvalidInput, match="Only a corrective action item"):
        action_item_update(item_id=world.item.pk, actor=world.member, fixed_in_version="2.0")
    assert action_item_update(item_id=corrective.pk, actor=world.member, fixed_in_version=None) \
        .fixed_in_version is None


def test_a_rejected_item_stays_as_it_was(world):
    proposed = action_item_propose(incident_id=world.incident.pk, actor=world.member, title="Blame someone",
                                   kind="process")
    action_item_review(item_id=proposed.pk, actor=world.reviewer, decision="reject", reason="Not blameless.")

    with pytest.raises(Conflict, match="rejected"):
        action_item_update(item_id=proposed.pk, actor=world.member, priority="P1")


def test_editing_nothing_new_changes_nothing(world):
    before = world.item.version
    item = action_item_update(item_id=world.item.pk, actor=world.member, owner="member", priority="P2")

    assert item.version == before and _audit(item, "action_item.update") == []


def test_only_the_editable_fields_change(world):
    with pytest.raises(InvalidInput, match="cannot be changed here: status"):
        action_item_update(item_id=world.item.pk, actor=world.member, status="done")


# --- Comments -------------------------------------------------------------------------------------

def test_the_team_comments_on_a_ticket_and_outsiders_may_not(world):
    comment = action_item_comment_add(item_id=world.item.pk, actor=world.member, body="  PR #42 adds the check.  ")

    assert comment.body == "PR #42 adds the check." and comment.author == world.member
    assert _audit(world.item, "action_item.comment")[0].new == {"comment": comment.pk}
    with pytest.raises(PermissionDenied):
        action_item_comment_add(item_id=world.item.pk, actor=world.outsider, body="+1")
    with pytest.raises(InvalidInput, match="empty"):
        action_item_comment_add(item_id=world.item.pk, actor=world.member, body="   ")
    assert ActionItemComment.objects.filter(item=world.item).count() == 1
