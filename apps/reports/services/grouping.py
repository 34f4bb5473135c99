"""Which incident a report belongs to, from what is known about it: grouped with what there is
(model, surface, output when known, the most suspicious input when its inputs are known) and
placed again when more becomes known — a model assigned, a logged prediction linked."""

from __future__ import annotations

from apps.incidents import report_fingerprint as fingerprinting
from apps.incidents.models import Incident
from apps.incidents.services import (
    Grouped,
    Placement,
    incident_fold_empty,
    incident_group_report,
    incident_regroup_report,
    incident_reopen_for_regression,
)
from apps.registry.reference_checks import input_checks

from ..models import Report


def report_fingerprint_of(report: Report) -> fingerprinting.Fingerprint:
    """The fingerprint of a report's facts (apps/incidents/report_fingerprint.py): its model, output,
    surface (from its context, else its logged prediction's) and, when its inputs are known,
    the most suspicious one as input forensics ranks it against the version's reference."""
    features = report.features if report.has_inputs and isinstance(report.features, dict) else None
    checks = (input_checks(model_version=report.model_version, features=features)
              if features is not None and report.model_version_id else [])
    logged_context = report.logged_prediction.context if report.logged_prediction_id else None
    return fingerprinting.fingerprint(model_name=report.model.name, output=report.output,
                                      contexts=[report.context, logged_context], checks=checks)


def report_place(*, report: Report, actor) -> Grouped | None:
    """Groups a report again after what is known about it changed; called inside the caller's
    transaction with the report locked, its new facts set and not yet saved (this saves them).

    - an unsorted report that got a model is grouped like a new one;
    - a report a person placed (`grouping_locked`) stays where it is;
    - otherwise it follows its new fingerprint (`incident_regroup_report`); an incident it
      leaves empty is folded into the one it joined.
    Returns how it was grouped, or None when it stayed."""
    fingerprint = report_fingerprint_of(report)
    source_id = report.incident_id
    grouped = None
    if source_id is None:
        grouped = incident_group_report(model=report.model, version=report.model_version, fingerprint=fingerprint,
                                        title=report.title, severity=report.severity, actor=actor)
    elif not report.grouping_locked and fingerprint.key != report.fingerprint:
        current = Incident.objects.get(pk=source_id)
        alone = not Report.objects.filter(incident_id=source_id).exclude(pk=report.pk).exists()
        grouped = incident_regroup_report(current=current, alone=alone, model=report.model,
                                          version=report.model_version, fingerprint=fingerprint, title=report.title,
                                          severity=report.severity, actor=actor)
    if grouped is None:
        report.save()
        return None
    report.incident = grouped.incident
    report.fingerprint = fingerprint.key
    report.save()
    if source_id is not None and grouped.incident.pk != source_id:
        Incident.objects.filter(pk=source_id).update(updated_at=grouped.incident.updated_at)
        incident_fold_empty(incident_id=source_id, into=grouped.incident, actor=actor)
    if grouped.placement == Placement.REGRESSION:
        incident_reopen_for_regression(incident=grouped.incident, report=report)
    return grouped
