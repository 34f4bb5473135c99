"""My reports: what became of each report a person filed, in their words (one read model for
the page; the e-mails and chat answers use the same words from apps.incidents.for_reporters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import CharField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast

from apps.audit.actions import AuditAction
from apps.audit.models import AuditEvent
from apps.incidents.for_reporters import PlainStatus, status_for_reporter
from apps.incidents.models import Incident

from .models import Report

# The audit actions that change an incident's status (a person's move, or a regression).
STATUS_ACTIONS = (AuditAction.INCIDENT_TRANSITION, AuditAction.INCIDENT_REGRESSION)


@dataclass(frozen=True)
class MyReportRow:
    id: int
    reference: str
    title: str
    url: str
    model: str
    filed_at: datetime
    status: PlainStatus
    # When the incident's status last changed (the filing date until it does).
    last_change_at: datetime


def my_reports(*, user) -> QuerySet[Report]:
    """The reports `user` filed, newest first, with when their incident's status last changed."""
    last_status_change = (AuditEvent.objects
                          .filter(target_type=Incident._meta.label_lower, action__in=STATUS_ACTIONS,
                                  target_id=Cast(OuterRef("incident_id"), output_field=CharField()))
                          .order_by("-created_at", "-id").values("created_at")[:1])
    return (Report.objects.filter(reporter_id=user.pk)
            .select_related("model", "incident__fixed_in_version")
            .only("id", "title", "created_at", "model__name", "model__display_name", "incident__status",
                  "incident__resolution_note", "incident__fixed_in_version__version")
            .annotate(status_changed_at=Subquery(last_status_change))
            .order_by("-created_at", "-id"))


def my_report_rows(reports) -> list[MyReportRow]:
    rows = []
    for report in reports:
        incident = report.incident if report.incident_id else None
        version = incident.fixed_in_version.version if incident and incident.fixed_in_version_id else None
        status = status_for_reporter(incident.status if incident else None, fixed_in_version=version,
                                     note=incident.resolution_note if incident else "")
        model = report.model if getattr(report, "model_id", None) else None
        rows.append(MyReportRow(
            id=report.pk, reference=f"WTF-{report.pk}", title=report.title, url=report.get_absolute_url(),
            model=(model.display_name or model.name) if model else "", filed_at=report.created_at, status=status,
            last_change_at=max(filter(None, [report.created_at, report.status_changed_at]))))
    return rows
