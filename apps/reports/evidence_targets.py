"""The reports app's answers to the incidents' evidence questions (apps/incidents/hooks.py):
which page a report, its forensics, its diagnosis or an attachment cited as evidence links to,
and which of the cited reports a reader may open. Connected in ReportsConfig.ready()."""

from __future__ import annotations

from django.urls import reverse

from apps.incidents.hooks import CitedReports, EvidenceTarget
from apps.incidents.models import EvidenceKind, Incident

from .models import Attachment, Report
from .selectors import report_list

_REPORT_KINDS = {EvidenceKind.REPORT, EvidenceKind.FORENSICS, EvidenceKind.DIAGNOSIS}


def evidence_target_of_report(sender, *, incident: Incident, kind: str, ref_id: int,
                              **kwargs) -> EvidenceTarget | None:
    """A report of the incident (or its forensics or diagnosis), or one of its attachments."""
    if kind in _REPORT_KINDS:
        report = Report.objects.filter(pk=ref_id, incident_id=incident.pk).first()
        if report is None:
            return None
        url = reverse("reports:detail", args=[report.pk])
        if kind == EvidenceKind.FORENSICS:
            return EvidenceTarget(f"Input forensics of report #{report.pk}", url + "#forensics")
        if kind == EvidenceKind.DIAGNOSIS:
            # `ref_id` is the report: its diagnosis is one row per report, recomputed in place.
            return EvidenceTarget(f"Diagnosis of report #{report.pk}", url + "#diagnosis")
        # The product's reference style, as on the incident's list of reports: "WTF-6 A women's bag…".
        return EvidenceTarget(f"WTF-{report.pk} {report.title}", url)
    if kind == EvidenceKind.ATTACHMENT:
        attachment = Attachment.objects.filter(pk=ref_id, report__incident_id=incident.pk).first()
        if attachment is None:
            return None
        return EvidenceTarget(f"Attachment {attachment.original_name}",
                              reverse("reports:attachment", args=[attachment.report_id, attachment.pk]))
    return None


def evidence_reports_readable(sender, *, user, report_ids: set[int], attachment_ids: set[int],
                              **kwargs) -> CitedReports:
    """The cited reports `user` may open (a report's title is its reporter's words)."""
    attachment_reports = (dict(Attachment.objects.filter(pk__in=attachment_ids).values_list("pk", "report_id"))
                          if attachment_ids else {})
    cited = (set(report_ids) | set(attachment_reports.values())) - {None}
    readable = set(report_list(user=user).filter(pk__in=cited).values_list("pk", flat=True)) if cited else set()
    return CitedReports(readable=frozenset(readable), attachment_reports=attachment_reports)
