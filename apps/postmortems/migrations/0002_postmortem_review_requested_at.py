from django.db import migrations, models


def backfill(apps, schema_editor):
    # Post-mortems already past the draft keep the agenda order they had (last change).
    Postmortem = apps.get_model("postmortems", "Postmortem")
    Postmortem.objects.exclude(status="draft").filter(review_requested_at__isnull=True).update(
        review_requested_at=models.F("updated_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("postmortems", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="postmortem",
            name="review_requested_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
