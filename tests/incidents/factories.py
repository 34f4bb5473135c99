"""Incidents opened through the service, without a trained model: for tests of what incidents
carry (tags, signatures, similar incidents, change events) rather than of grouping."""

from __future__ import annotations

from datetime import datetime

from apps.incidents.fingerprint import Fingerprint
from apps.incidents.models import Incident
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
