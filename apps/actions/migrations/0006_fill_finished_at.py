"""Fills `ActionItem.finished_at` (0005) for the tickets finished before `action_item_transition`
kept it: the time of the latest `action_item.transition` to done or won't do in the audit trail,
where the insights looked it up per ticket until now. A ticket with no such move (loaded by
hand) keeps null, and readers fall back to its `updated_at`, as they did. Backwards there is
nothing to undo: reversing 0005 drops the column."""

from django.db import migrations
from django.db.models import CharField, DateTimeField, OuterRef, Subquery
from django.db.models.functions import Cast

FINISHED = ["done", "wont_do"]


def fill(apps, schema_editor):
    ActionItem = apps.get_model("actions", "ActionItem")
    AuditEvent = apps.get_model("audit", "AuditEvent")
    moves = AuditEvent.objects.filter(target_type="actions.actionitem", action="action_item.transition",
                                      target_id=Cast(OuterRef("pk"), output_field=CharField()),
                                      new__status__in=FINISHED)
    ActionItem.objects.update(finished_at=Subquery(moves.order_by("-created_at", "-id").values("created_at")[:1],
                                                   output_field=DateTimeField()))


class Migration(migrations.Migration):

    dependencies = [
        ("actions", "0005_actionitem_finished_at"),
        ("audit", "0003_audit_client_request_id"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
