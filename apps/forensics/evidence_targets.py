"""The forensics app's answer to the incidents' evidence question (apps/incidents/hooks.py):
which page a drift report cited as evidence links to. Connected in ForensicsConfig.ready()."""

from __future__ import annotations

from django.urls import reverse

from apps.incidents.hooks import EvidenceTarget
from apps.incidents.models import EvidenceKind, Incident

from .models import DriftReport


def evidence_target_of_drift_report(sender, *, incident: Incident, kind: str, ref_id: int,
                                    **kwargs) -> EvidenceTarget | None:
    """A drift report of a version of the incident's model."""
    if kind != EvidenceKind.DRIFT_REPORT:
        return None
    drift = (DriftReport.objects.filter(pk=ref_id, model_version__model_id=incident.model_id)
             .select_related("model_version").first())
    if drift is None:
        return None
    return EvidenceTarget(f"Drift report #{drift.pk} of version {drift.model_version.version}",
                          reverse("forensics:drift-detail", args=[drift.pk]))
