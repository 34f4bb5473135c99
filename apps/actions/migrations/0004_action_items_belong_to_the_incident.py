"""Action items belong to their incident: the foreign key to the post-mortem goes.

It was redundant (an incident has one post-mortem, and every item already carried its
incident), and it made post-mortems and action items depend on each other. Before dropping it,
check on the real data that it said nothing the incident does not: every item's incident must
be its post-mortem's incident. If one is not, stop and name them — dropping the column would
silently move those items to another post-mortem."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F


def check_items_match_their_postmortem(apps, schema_editor):
    ActionItem = apps.get_model("actions", "ActionItem")
    mismatched = list(
        ActionItem.objects.exclude(incident_id=F("postmortem__incident_id"))
        .values_list("pk", "incident_id", "postmortem__incident_id")
        .order_by("pk")[:20]
    )
    if mismatched:
        rows = "; ".join(f"AI-{pk}: incident INC-{incident} but post-mortem of INC-{other}"
                         for pk, incident, other in mismatched)
        raise RuntimeError(
            "Cannot drop ActionItem.postmortem: these action items name an incident other than their "
            f"post-mortem's ({rows}). Set each item's incident to the one it belongs to, then migrate again.")


def give_items_back_their_postmortem(apps, schema_editor):
    """Backwards: the incident's post-mortem, the one the item was proposed in."""
    ActionItem = apps.get_model("actions", "ActionItem")
    Postmortem = apps.get_model("postmortems", "Postmortem")
    for postmortem_id, incident_id in Postmortem.objects.values_list("pk", "incident_id"):
        ActionItem.objects.filter(incident_id=incident_id).update(postmortem_id=postmortem_id)


class Migration(migrations.Migration):

    dependencies = [
        ("actions", "0003_tickets_reminders_webhooks_exports"),
        ("postmortems", "0003_meeting_presenter"),
    ]

    operations = [
        migrations.RunPython(check_items_match_their_postmortem, migrations.RunPython.noop, elidable=True),
        # Nullable before it goes, so that migrating back can add it, fill it, then require it.
        migrations.AlterField(
            model_name="actionitem", name="postmortem",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.CASCADE,
                                    related_name="action_items", to="postmortems.postmortem"),
        ),
        migrations.RunPython(migrations.RunPython.noop, give_items_back_their_postmortem, elidable=True),
        migrations.RemoveField(model_name="actionitem", name="postmortem"),
    ]
