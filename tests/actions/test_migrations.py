"""Action items lost their foreign key to the post-mortem (actions 0004): the incident says
which post-mortem an item was proposed in. The migration checks that on the real data first,
and stops, naming the items, when the key said something the incident does not."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from apps.actions.models import ActionItem
from apps.postmortems.services import postmortem_start
from tests.actions.factories import ticket_world
from tests.reports.factories import file_report

BEFORE = [("actions", "0003_tickets_reminders_webhooks_exports")]
AFTER = [("actions", "0004_action_items_belong_to_the_incident")]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_an_item_filed_under_another_incident_s_post_mortem_stops_the_migration_until_it_is_fixed():
    world = ticket_world()
    other = file_report(reporter=world.reporter, version=world.version, index=100, output="virginica",
                        title="Another odd prediction").incident
    assert other.pk != world.incident.pk
    other_postmortem, _ = postmortem_start(incident_id=other.pk, actor=world.member)

    _migrate(BEFORE)  # back: every item gets its incident's post-mortem again
    with connection.cursor() as cursor:
        cursor.execute("SELECT postmortem_id FROM actions_actionitem WHERE id = %s", [world.item.pk])
        assert cursor.fetchone()[0] == world.postmortem.pk
        cursor.execute("UPDATE actions_actionitem SET postmortem_id = %s WHERE id = %s",
                       [other_postmortem.pk, world.item.pk])

    with pytest.raises(RuntimeError, match=rf"AI-{world.item.pk}: incident INC-{world.incident.pk} but "
                                           rf"post-mortem of INC-{other.pk}"):
        _migrate(AFTER)

    with connection.cursor() as cursor:
        cursor.execute("UPDATE actions_actionitem SET postmortem_id = %s WHERE id = %s",
                       [world.postmortem.pk, world.item.pk])
    _migrate(AFTER)
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # today's schema again
    assert ActionItem.objects.get(pk=world.item.pk).incident_id == world.incident.pk
