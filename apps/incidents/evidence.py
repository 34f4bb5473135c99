"""Evidence on an incident: the service that attaches it and the selector that lists it.

Evidence points at something the tracker already holds (a report, its forensics, a replay, a
drift report, an attachment) or outside it (a link to logs or a dashboard, a note). Each kind
that names an object is checked to belong to the incident's model, so a why-node cannot cite
another team's replay, and attaching the same object twice returns the first row (tasks that
attach drift reports are safe to run twice)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.urls import reverse

from apps.accounts.access import user_access
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput

from .models import EvidenceKind, Incident, IncidentEvidence
from .selectors import incident_get, incident_get_for_work

MAX_NOTE_LENGTH = 10_000
_NEEDS_REF = {EvidenceKind.REPORT, EvidenceKind.FORENSICS, EvidenceKind.REPLAY, EvidenceKind.DRIFT_REPORT,
              EvidenceKind.ATTACHMENT, EvidenceKind.DIAGNOSIS}


def _target(*, incident: Incident, kind: str, ref_id: int) -> tuple[str, str]:
    """The default title and the page of the object `ref_id` names; InvalidInput if it is not
    one of this incident's (or its model's)."""
    from apps.forensics.models import DriftReport
    from apps.replays.models import Replay
    from apps.reports.models import Attachment, Report

    missing = InvalidInput(f"There is no {EvidenceKind(kind).label.lower()} {ref_id} on this incident's model.",
                           errors={"ref_id": ["Not found on this incident."]})
    if kind in (EvidenceKind.REPORT, EvidenceKind.FORENSICS, EvidenceKind.DIAGNOSIS):
        report = Report.objects.filter(pk=ref_id, incident_id=incident.pk).first()
        if report is None:
            raise missing
        url = reverse("reports:detail", args=[report.pk])
        if kind == EvidenceKind.FORENSICS:
            return f"Input forensics of report #{report.pk}", url + "#forensics"
        if kind == EvidenceKind.DIAGNOSIS:
            # `ref_id` is the report: its diagnosis is one row per report, recomputed in place.
            return f"Diagnosis of report #{report.pk}", url + "#diagnosis"
        return f"Report #{report.pk}: {report.title}", url
    if kind == EvidenceKind.REPLAY:
        replay = Replay.objects.filter(pk=ref_id, model_version__model_id=incident.model_id) \
            .select_related("model_version").first()
        if replay is None:
            raise missing
        return f"Replay #{replay.pk} on version {replay.model_version.version}", \
            reverse("replays:detail", args=[replay.pk])
    if kind == EvidenceKind.DRIFT_REPORT:
        drift = DriftReport.objects.filter(pk=ref_id, model_version__model_id=incident.model_id) \
            .select_related("model_version").first()
        if drift is None:
            raise missing
        return f"Drift report #{drift.pk} of version {drift.model_version.version}", \
            reverse("forensics:drift-detail", args=[drift.pk])
    attachment = Attachment.objects.filter(pk=ref_id, report__incident_id=incident.pk).first()
    if attachment is None:
        raise missing
    return f"Attachment {attachment.original_name}", \
        reverse("reports:attachment", args=[attachment.report_id, attachment.pk])


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("A link must be an http(s) address, e.g. https://grafana.example.com/d/abc.",
                           errors={"url": ["Must start with http:// or https://."]})


@transaction.atomic
def incident_evidence_add(*, incident_id: int, kind: str, actor, ref_id: int | None = None, url: str = "",
                          title: str = "", note: str = "") -> IncidentEvidence:
    """Attaches evidence to an incident. `actor=None` is the system (the drift task)."""
    incident = incident_get_for_work(user=actor, incident_id=incident_id) if actor is not None \
        else Incident.objects.get(pk=incident_id)
    if kind not in EvidenceKind.values:
        raise InvalidInput(f"'{kind}' is not a kind of evidence. Use one of: {', '.join(EvidenceKind.values)}.",
                           errors={"kind": ["Unknown kind."]})
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"The note is longer than {MAX_NOTE_LENGTH} characters.", errors={"note": ["Too long."]})
    if kind in _NEEDS_REF:
        if ref_id is None:
            raise InvalidInput(f"Say which {EvidenceKind(kind).label.lower()}: give its id as `ref_id`.",
                               errors={"ref_id": ["Required for this kind."]})
        default_title, url = _target(incident=incident, kind=kind, ref_id=ref_id)
        existing = IncidentEvidence.objects.filter(incident=incident, kind=kind, ref_id=ref_id).first()
        if existing is not None:
            return existing
    else:
        ref_id = None
        if kind == EvidenceKind.LINK:
            _check_url(url)
            default_title = url
        else:
            if not note.strip():
                raise InvalidInput("A note needs its text.", errors={"note": ["Required for a note."]})
            url = ""
            default_title = note.strip().splitlines()[0]
    try:
        with transaction.atomic():
            evidence = IncidentEvidence.objects.create(
                incident=incident, kind=kind, ref_id=ref_id, url=url,
                title=(title.strip() or default_title)[:200], note=note,
                added_by=actor if actor is not None and actor.is_authenticated else None)
    except IntegrityError:
        # Attached by someone else in the same moment: theirs is the one.
        return IncidentEvidence.objects.get(incident=incident, kind=kind, ref_id=ref_id)
    audit_record(actor=actor, action="incident.evidence_add", target=incident,
                 new={"evidence": evidence.pk, "kind": kind, "title": evidence.title})
    return evidence


def incident_evidence_list(*, user, incident_id: int) -> list[IncidentEvidence]:
    incident = incident_get(user=user, incident_id=incident_id)
    return evidence_as_seen_by(user=user, incident=incident,
                               rows=list(IncidentEvidence.objects.filter(incident=incident).select_related("added_by")))


_REPORT_KINDS = {EvidenceKind.REPORT, EvidenceKind.FORENSICS, EvidenceKind.ATTACHMENT, EvidenceKind.DIAGNOSIS}
_TEAM_KINDS = {EvidenceKind.REPLAY, EvidenceKind.DRIFT_REPORT}
_WITHHELD_TITLES = {
    EvidenceKind.REPORT: "Report #{report} (only the owning team and its reporter see it)",
    EvidenceKind.FORENSICS: "Input forensics of report #{report} (only the owning team and its reporter see it)",
    EvidenceKind.ATTACHMENT: "An attachment of report #{report} (only the owning team and its reporter see it)",
    EvidenceKind.DIAGNOSIS: "Diagnosis of report #{report} (only the owning team and its reporter see it)",
}


def evidence_as_seen_by(*, user, incident: Incident, rows: list[IncidentEvidence]) -> list[IncidentEvidence]:
    """The rows as `user` may read them (in place; never saved). Anyone who sees an incident
    reads its evidence, but a report's title is its reporter's words: evidence naming a report
    (its forensics, an attachment) the reader may not open shows only its number, marked
    `withheld`. Replays and drift reports are team work: others get their title, not a link
    that would answer 404."""
    if not rows or user_access(user).can_work_on_team(incident.model.team_id):
        return rows
    from apps.reports.models import Attachment
    from apps.reports.selectors import report_list

    attachment_reports = dict(Attachment.objects.filter(
        pk__in=[row.ref_id for row in rows if row.kind == EvidenceKind.ATTACHMENT]).values_list("pk", "report_id"))

    def report_of(row: IncidentEvidence) -> int | None:
        return attachment_reports.get(row.ref_id) if row.kind == EvidenceKind.ATTACHMENT else row.ref_id

    cited = {report_of(row) for row in rows if row.kind in _REPORT_KINDS} - {None}
    readable = set(report_list(user=user).filter(pk__in=cited).values_list("pk", flat=True)) if cited else set()
    for row in rows:
        if row.kind in _REPORT_KINDS and report_of(row) not in readable:
            row.title = _WITHHELD_TITLES[row.kind].format(report=report_of(row) or "?")
            row.url, row.note, row.withheld = "", "", True
        elif row.kind in _TEAM_KINDS:
            row.url = ""
    return rows
