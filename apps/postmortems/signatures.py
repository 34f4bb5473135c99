"""Rebuilding an incident's whole signature (similar incidents) and onset (suspects, time to
detect) from the facts: for incidents that existed before signatures did, or after a bulk import.
Each part is written by its own app's function, as it is when those facts change; this only calls
them all. Post-mortems sit above incidents, forensics and reports, so the rebuild lives here."""

from __future__ import annotations

from django.db import transaction

from apps.forensics.onset import incident_onset_compute, report_flags
from apps.incidents.models import Incident, IncidentTag, SignalKind
from apps.incidents.signature import incident_flags_add, incident_own_signals_write, incident_signals_replace
from apps.registry.reference_checks import input_checks
from apps.reports.models import Report

from .models import Postmortem
from .services import postmortem_signature_write

# The first reports of an incident say what it is; hundreds more of the same add nothing.
REPORTS_READ = 50


@transaction.atomic
def incident_signature_rebuild(*, incident_id: int) -> None:
    incident = Incident.objects.select_related("model").get(pk=incident_id)
    incident_own_signals_write(incident=incident)
    incident_signals_replace(incident_id=incident.pk, kind=SignalKind.TAG, values=list(
        IncidentTag.objects.filter(incident=incident).values_list("tag__name", flat=True)))
    reports = (Report.objects.filter(incident=incident, model_version__isnull=False).select_related("model_version")
               .order_by("created_at", "id")[:REPORTS_READ])
    for report in reports:
        checks = input_checks(model_version=report.model_version, features=report.features or {})
        incident_flags_add(incident_id=incident.pk, flags=report_flags(checks))
    incident_onset_compute(incident_id=incident.pk)
    postmortem = Postmortem.objects.filter(incident=incident).first()
    if postmortem is not None:
        postmortem_signature_write(postmortem=postmortem)
