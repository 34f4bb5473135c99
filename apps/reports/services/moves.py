from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import Conflict, PermissionDenied
from apps.incidents.models import Incident
from apps.incidents.selectors import incident_can_work, incident_get, incident_get_for_work
from apps.incidents.services import incident_check_destination, incident_open, incidents_locked

from ..models import Report
from ..selectors import report_get
from .grouping import report_fingerprint_of


def _require_sorted(report_id: int, incident_id: int | None) -> None:
    if incident_id is None:
        raise Conflict(f"WTF-{report_id} is unsorted: assign it a model first, then it joins an incident.")


@transaction.atomic
def report_move(*, report_id: int, to_incident_id: int | None, actor) -> Report:
    """Moves one report by hand into another incident of its model, or (`to_incident_id`
    None) into a new incident of its own: an unmerge. The report is marked as placed by hand,
    so automatic grouping never moves it back; reports filed later keep grouping as before.
    Moving an incident's only report is refused: merge the incident instead."""
    if actor is not None:
        # What the user may not see answers 404 before what they may not change answers 403.
        report = report_get(user=actor, report_id=report_id)
        _require_sorted(report.pk, report.incident_id)
        if to_incident_id is not None:
            incident_get(user=actor, incident_id=to_incident_id)
        if not incident_can_work(user=actor, incident=report.incident):
            raise PermissionDenied(f"Only the team that owns '{report.model.name}' may move its reports between "
                                   "incidents.")
        if to_incident_id is not None:
            incident_get_for_work(user=actor, incident_id=to_incident_id)

    # Incidents first, then the report: the order incident_merge takes them in, so the two
    # cannot deadlock. A merge that moved the report meanwhile is reported, not overridden.
    seen_in = Report.objects.values_list("incident_id", flat=True).get(pk=report_id)
    _require_sorted(report_id, seen_in)
    ids = sorted({seen_in} | ({to_incident_id} if to_incident_id is not None else set()))
    incidents = {incident.pk: incident for incident in
                 incidents_locked().select_related("model").filter(pk__in=ids).order_by("pk")}
    report = (Report.objects.select_for_update(of=("self",)).select_related("model", "model_version")
              .get(pk=report_id))

    if report.incident_id != seen_in:
        raise Conflict(f"WTF-{report.pk} was just moved to INC-{report.incident_id}; look again and retry.")
    source = incidents[report.incident_id]
    if to_incident_id == source.pk:
        raise Conflict(f"WTF-{report.pk} is already in INC-{source.pk}.")
    alone = not source.reports.exclude(pk=report.pk).exists()
    if to_incident_id is None:
        if alone:
            raise Conflict(f"WTF-{report.pk} is already the only report of INC-{source.pk}.")
        fingerprint = report_fingerprint_of(report)
        destination = incident_open(model=report.model, title=report.title, severity=report.severity, actor=actor,
                                    fingerprint=fingerprint)
    else:
        destination = incidents[to_incident_id]
        if destination.model_id != report.model_id:
            raise Conflict(f"WTF-{report.pk} is about '{report.model.name}' and INC-{destination.pk} about "
                           f"'{destination.model.name}': a report can only join an incident of its model.")
        incident_check_destination(incident=destination)
        if alone:
            raise Conflict(f"WTF-{report.pk} is the only report of INC-{source.pk}: merge INC-{source.pk} into "
                           f"INC-{destination.pk} instead, so that its later reports follow.")
    report.incident = destination
    report.grouping_locked = True
    report.save(update_fields=["incident", "grouping_locked"])
    now = timezone.now()
    Incident.objects.filter(pk__in=[source.pk, destination.pk]).update(updated_at=now)
    audit_record(actor=actor, action=AuditAction.REPORT_MOVE, target=report, old={"incident": source.pk},
                 new={"incident": destination.pk, "new_incident": to_incident_id is None})
    return report
