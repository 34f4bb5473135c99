"""A ticket keeps when it was finished (`finished_at`), so the insights' on time / overdue figures
need not search the audit trail per ticket: kept by `action_item_transition`, filled for older
tickets from the audit trail by a migration."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.actions.models import ActionItem
from apps.actions.services import action_item_transition
from apps.audit.models import AuditEvent
from tests.actions.factories import ticket_world

BEFORE = [("actions", "0004_action_items_belong_to_the_incident")]
AFTER = [("actions", "0006_fill_finished_at")]


@pytest.mark.django_db
def test_the_latest_finishing_move_counts_and_a_reopen_keeps_it():
    world = ticket_world()
    assert world.item.finished_at is None
    first = action_item_transition(item_id=world.item.pk, actor=world.member, to="done")
    assert first.finished_at is not None
    reopened = action_item_transition(item_id=world.item.pk, actor=world.member, to="open")
    assert reopened.finished_at == first.finished_at  # the status says it is not finished now
    before_second = timezone.now()
    second = action_item_transition(item_id=world.item.pk, actor=world.member, to="wont_do", reason="Superseded.")
    assert second.finished_at >= before_second > first.finished_at


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_finished_at_from_the_audit_trail():
    world = ticket_world()
    action_item_transition(item_id=world.item.pk, actor=world.member, to="done")
    back_then = timezone.now() - timedelta(days=3)
    # As if finished three days ago (the audit trail is what the migration reads).
    AuditEvent.objects.filter(target_type="actions.actionitem", target_id=str(world.item.pk),
                              action="action_item.transition").update(created_at=back_then)

    MigrationExecutor(connection).migrate(BEFORE)  # the column is gone…
    MigrationExecutor(connection).migrate(AFTER)  # …and comes back filled from the audit trail
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    assert ActionItem.objects.get(pk=world.item.pk).finished_at == back_then
