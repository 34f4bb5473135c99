"""Incidents opened through the service, without a trained model: for tests of what incidents
carry (tags, signatures, similar incidents, change events) rather than of grouping."""

from __future__ import annotations

from datetime import datetime

from apps.incidents.models import Incident
from apps.incidents.report_fingerprint import Fingerprint
from apps.incidents.services import incident_open
from apps.registry.models import Model


def model_of(name: str, *, team=None) -> Model:
    return Model.objects.get_or_create(name=name, defaults={"display_name": name, "team": team})[0]


def opened_incident(*, model: Model, title: str, pattern: str = "", restricted: bool = False,
                    created_at: datetime | None = None) -> Incident:
    """An incident whose reports were grouped by `pattern` (`feature:flag`, as forensics names it)."""
    incident = incident_open(model=model, title=title,
                             fingerprint=Fingerprint(model=model.name, output="class_1", surface="", pattern=pattern))
    changes = {}
    if restricted:
        changes["restricted"] = True
    if created_at is not None:
        changes["created_at"] = created_at
    if changes:
        Incident.objects.filter(pk=incident.pk).update(**changes)
        incident.refresh_from_db()
    return incident


def unit_change_story(*, reporter, team=None):
    """Version 1.1 of "iris" is registered 3 h ago; 2 h 20 min ago the log shows the first
    prediction with `petal_length` in millimetres (above the training max, 6.9 cm); a person
    reports one now. A deploy 10 h ago, a backfill two days ago and a flag flipped after the
    first odd prediction are on record too. Returns (incident, version 1.1)."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.predictions.services import predictions_log
    from apps.registry.changes import change_event_record
    from apps.registry.models import ModelVersion
    from tests.registry.factories import iris_row, trained_version
    from tests.reports.factories import file_report

    now = timezone.now()
    old = trained_version("iris", "1.0", team=team)
    new = trained_version("iris", "1.1", team=team)
    ModelVersion.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=30))
    ModelVersion.objects.filter(pk=new.pk).update(created_at=now - timedelta(hours=3))
    new.refresh_from_db()
    in_mm = {**iris_row(100), "petal_length": 60.0}
    predictions_log(rows=[
        {"prediction_id": "p-ok", "model": "iris", "model_version": "1.1", "features": iris_row(100),
         "output": "virginica", "timestamp": (now - timedelta(hours=2, minutes=50)).isoformat()},
        {"prediction_id": "p-first-odd", "model": "iris", "model_version": "1.1", "features": in_mm,
         "output": "virginica", "timestamp": (now - timedelta(hours=2, minutes=20)).isoformat()},
        {"prediction_id": "p-later-odd", "model": "iris", "model_version": "1.1", "features": in_mm,
         "output": "virginica", "timestamp": (now - timedelta(hours=1)).isoformat()},
    ])
    for kind, description, hours in (("deploy", "Serving image 2026.12.1 rolled out", 10),
                                     ("data_backfill", "Backfilled October's measurements", 48),
                                     ("feature_flag", "Turned on the new cellar page", 2)):
        change_event_record(actor=None, kind=kind, description=description, model=new.model,
                            at=now - timedelta(hours=hours))
    report = file_report(reporter=reporter, version=new, features=in_mm, title="Virginica for every bottle")
    return report.incident, new
