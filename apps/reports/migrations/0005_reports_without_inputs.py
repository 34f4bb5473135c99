"""Reports need only a title: model, version and incident become optional (a report with no
model waits in the Unsorted inbox), and each report says where its inputs came from. Reports
filed before this had inputs either from the log (filed by prediction id) or typed by the
reporter; a report filed by id with typed features as well is counted as logged (the old rows
do not say which values won, and the log's are the ones its readers were shown as withheld)."""

import django.db.models.deletion
from django.db import migrations, models


def inputs_from_the_log(apps, schema_editor):
    Report = apps.get_model("reports", "Report")
    Report.objects.exclude(prediction_id="").update(inputs="logged")


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0005_public_title'),
        ('registry', '0004_tolerance_help'),
        ('reports', '0004_backfill_fingerprints'),
    ]

    operations = [
        migrations.AddField(
            model_name='report',
            name='inputs',
            field=models.CharField(choices=[('logged', 'From the inference log'), ('given', 'Given by the reporter'), ('missing', 'Not known yet')], default='given', max_length=8),
        ),
        migrations.AddField(
            model_name='report',
            name='seen_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='report',
            name='incident',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='incidents.incident'),
        ),
        migrations.AlterField(
            model_name='report',
            name='model',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='registry.model'),
        ),
        migrations.AlterField(
            model_name='report',
            name='model_version',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='registry.modelversion'),
        ),
        migrations.RunPython(inputs_from_the_log, migrations.RunPython.noop),
    ]
