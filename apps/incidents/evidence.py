"""Evidence on an incident: the service that attaches it and the selector that lists it.

Evidence points at something the tracker already holds (a report, its forensics, a replay, a
drift report, an attachment) or outside it (a link to logs or a dashboard, a note). Each kind
that names an object is checked to belong to the incident's model by the app that owns it
(asked through hooks.py: those apps sit above incidents), so a why-node cannot cite
another team's replay, and attaching the same object twice returns the first row (tasks that
attach drift reports are safe to run twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from apps.accounts.access import user_access
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput

from .hooks import evidence_cited_reports, evidence_target
from .models import EvidenceKind, Incident, IncidentEvidence
from .selectors import incident_get, incident_get_for_work

MAX_NOTE_LENGTH = 10_000
_NEEDS_REF = {EvidenceKind.REPORT, EvidenceKind.FORENSICS, EvidenceKind.REPLAY, EvidenceKind.DRIFT_REPORT,
              EvidenceKind.ATTACHMENT, EvidenceKind.DIAGNOSIS}


def _target(*, incident: Incident, kind: str, ref_id: int) -> tuple[str, str]:
    """The default title and the page of the object `ref_id` names; InvalidInput if it is not
    one of this incident's (or its model's). The app that owns the kind answers (hooks.py)."""
    target = evidence_target(incident=incident, kind=kind, ref_id=ref_id)
    if target is None:
        raise InvalidInput(f"There is no {EvidenceKind(kind).label.lower()} {ref_id} on this incident's model.",
                           errors={"ref_id": ["Not found on this incident."]})
    return target.title, target.url


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
    audit_record(actor=actor, action=AuditAction.INCIDENT_EVIDENCE_ADD, target=incident,
                 new={"evidence": evidence.pk, "kind": kind, "title": evidence.title})
    return evidence


@dataclass(frozen=True)
class EvidenceRow:
    """A piece of an incident's evidence as one reader may see it. The attribute names are the
    model's, so the API's evidence serializer renders a row as it renders the model."""

    id: int
    kind: str
    kind_label: str
    title: str
    url: str
    note: str
    ref_id: int | None
    added_by: AbstractBaseUser | None
    created_at: datetime
    withheld: bool = False  # the reader may not open what it names: only its number is shown

    @property
    def pk(self) -> int:
        return self.id


def incident_evidence_list(*, user, incident_id: int) -> list[EvidenceRow]:
    incident = incident_get(user=user, incident_id=incident_id)
    return evidence_as_seen_by(user=user, incident=incident,
                               rows=list(IncidentEvidence.objects.filter(incident=incident).select_related("added_by")))


_REPORT_KINDS = {EvidenceKind.REPORT, EvidenceKind.FORENSICS, EvidenceKind.ATTACHMENT, EvidenceKind.DIAGNOSIS}
_TEAM_KINDS = {EvidenceKind.REPLAY, EvidenceKind.DRIFT_REPORT}
_WITHHELD_TITLES = {
    EvidenceKind.REPORT: "WTF-{report} (only the owning team and its reporter see it)",
    EvidenceKind.FORENSICS: "Input forensics of report #{report} (only the owning team and its reporter see it)",
    EvidenceKind.ATTACHMENT: "An attachment of report #{report} (only the owning team and its reporter see it)",
    EvidenceKind.DIAGNOSIS: "Diagnosis of report #{report} (only the owning team and its reporter see it)",
}


def _title(evidence: IncidentEvidence) -> str:
    """The stored title, with a report's default title from before the reference style
    ("Report #6: A women's bag…") read as people name it now ("WTF-6 A women's bag…"): the title
    is stored when the evidence is attached, so older rows still hold the old wording."""
    legacy_prefix = f"Report #{evidence.ref_id}: "
    if evidence.kind == EvidenceKind.REPORT and evidence.title.startswith(legacy_prefix):
        return f"WTF-{evidence.ref_id} {evidence.title.removeprefix(legacy_prefix)}"
    return evidence.title


def _row(evidence: IncidentEvidence, **seen) -> EvidenceRow:
    return EvidenceRow(**{"id": evidence.pk, "kind": evidence.kind, "kind_label": evidence.get_kind_display(),
                          "title": _title(evidence), "url": evidence.url, "note": evidence.note,
                          "ref_id": evidence.ref_id, "added_by": evidence.added_by,
                          "created_at": evidence.created_at, **seen})


def evidence_as_seen_by(*, user, incident: Incident, rows: list[IncidentEvidence]) -> list[EvidenceRow]:
    """The evidence as `user` may read it, in the same order (the caller joins in `added_by`
    when it shows who added it). Anyone who sees an incident reads its evidence, but a report's
    title is its reporter's words: evidence naming a report (its forensics, an attachment) the
    reader may not open shows only its number, marked `withheld`. Replays and drift reports are
    team work: others get their title, not a link that would answer 404."""
    if not rows or user_access(user).can_work_on_team(incident.model.team_id):
        return [_row(row) for row in rows]
    cited = evidence_cited_reports(
        user=user, report_ids={row.ref_id for row in rows if row.kind in _REPORT_KINDS - {EvidenceKind.ATTACHMENT}},
        attachment_ids={row.ref_id for row in rows if row.kind == EvidenceKind.ATTACHMENT})

    def report_of(row: IncidentEvidence) -> int | None:
        return cited.attachment_reports.get(row.ref_id) if row.kind == EvidenceKind.ATTACHMENT else row.ref_id

    seen = []
    for row in rows:
        if row.kind in _REPORT_KINDS and report_of(row) not in cited.readable:
            seen.append(_row(row, title=_WITHHELD_TITLES[row.kind].format(report=report_of(row) or "?"),
                             url="", note="", withheld=True))
        elif row.kind in _TEAM_KINDS:
            seen.append(_row(row, url=""))
        else:
            seen.append(_row(row))
    return seen
