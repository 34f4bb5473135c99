"""Gives the reports and incidents filed before grouping existed their fingerprints, and points
each fingerprint at the newest incident that still takes reports, so the next matching report
joins it instead of opening yet another one. Existing reports stay where they are."""

from django.db import migrations

# Incidents a new report may still join (closed and duplicate ones never take the route).
_TAKES_REPORTS = {"open", "triaged", "investigating", "mitigated", "resolved", "declined"}


def backfill(apps, schema_editor):
    # The recipe is pure (no models); the input checks read only the version's stored JSON, which
    # the historical model has. Imported here so that the module stays importable on its own.
    # (The checks moved from apps/forensics to apps/registry/reference_checks.py unchanged.)
    from apps.registry.reference_checks import input_checks
    from apps.incidents.report_fingerprint import fingerprint

    Report = apps.get_model("reports", "Report")
    Incident = apps.get_model("incidents", "Incident")
    FingerprintRoute = apps.get_model("incidents", "FingerprintRoute")

    first_print = {}
    reports = (Report.objects.filter(fingerprint="").select_related("model", "model_version", "logged_prediction")
               .order_by("created_at", "id"))
    for report in reports.iterator(chunk_size=500):
        features = report.features if isinstance(report.features, dict) else {}
        contexts = [report.context, report.logged_prediction.context if report.logged_prediction_id else None]
        found = fingerprint(model_name=report.model.name, output=report.output, contexts=contexts,
                             checks=input_checks(model_version=report.model_version, features=features))
        report.fingerprint = found.key
        report.save(update_fields=["fingerprint"])
        first_print.setdefault(report.incident_id, found)

    routes = {}
    for incident in Incident.objects.filter(pk__in=list(first_print)).order_by("created_at", "id"):
        found = first_print[incident.pk]
        if not incident.fingerprint:
            incident.fingerprint, incident.fingerprint_label = found.key, found.label[:500]
            incident.save(update_fields=["fingerprint", "fingerprint_label"])
        if incident.status in _TAKES_REPORTS:
            routes[(incident.model_id, found.key)] = incident.pk  # the newest wins
    for (model_id, key), incident_id in routes.items():
        FingerprintRoute.objects.get_or_create(model_id=model_id, fingerprint=key,
                                               defaults={"incident_id": incident_id})


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0003_grouping"),
        ("incidents", "0003_grouping"),
        ("predictions", "0001_initial"),
        ("registry", "0002_model_team"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
