"""What is on record around a post-mortem: its history, the timeline, the facts the tracker
already knows, and the root-cause category's label."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apps.actions.models import ActionItem
from apps.audit.actions import AuditAction
from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_events_for_all
from apps.audit.sentences import event_phrase
from apps.incidents.changes import incident_changes
from apps.incidents.evidence import EvidenceRow, evidence_as_seen_by
from apps.incidents.models import IncidentEvidence
from apps.registry.reference_checks import input_checks
from apps.replays.models import Replay
from apps.replays.selectors import replay_list
from apps.reports.models import Report
from apps.reports.selectors import LoggedInputsReaders, report_list

from ..models import (
    Postmortem,
    RootCauseCategory,
    TimelineEntry,
)


def postmortem_history(*, postmortem: Postmortem, limit: int = 100, items: list[ActionItem] | None = None) -> list:
    """The post-mortem's audit events and those of its action items (`items`, when the caller
    has them), newest first."""
    if items is None:
        items = list(ActionItem.objects.filter(incident_id=postmortem.incident_id).only("pk"))
    targets = [postmortem, *items]
    return list(audit_events_for_all(targets=targets).order_by("-created_at", "-id")[:limit])


# --- Timeline and facts --------------------------------------------------------------------

@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    text: str
    source: str  # "manual", "audit", or "change" (a change event in the incident's window)
    actor: str = ""
    entry_id: int | None = None


def postmortem_timeline(*, user, postmortem: Postmortem) -> list[TimelineItem]:
    """The manual entries merged with what the audit trail recorded about the incident and the
    reports of it that `user` may see (filed, moved, status changes, replays started)."""
    items = [TimelineItem(at=entry.at, text=entry.text, source="manual",
                          actor=entry.created_by.get_username() if entry.created_by else "", entry_id=entry.pk)
             for entry in TimelineEntry.objects.filter(postmortem=postmortem).select_related("created_by")]
    for report in report_list(user=user).filter(incident_id=postmortem.incident_id).select_related(None).only(
            "pk", "title", "created_at", "channel")[:200]:
        items.append(TimelineItem(at=report.created_at, text=f"WTF-{report.pk} filed via "
                                                             f"{report.get_channel_display()}: {report.title}",
                                  source="audit"))
    events = AuditEvent.objects.filter(
        target_type="incidents.incident", target_id=str(postmortem.incident_id),
        action__in=[AuditAction.INCIDENT_OPEN, AuditAction.INCIDENT_TRANSITION, AuditAction.INCIDENT_MERGE,
                    AuditAction.INCIDENT_REGRESSION]).order_by("created_at")[:200]
    for event in events:
        phrase = event_phrase(event)
        items.append(TimelineItem(at=event.created_at, text=phrase[0].upper() + phrase[1:], source="audit",
                                  actor=event.actor_label))
    # Deploys, pipeline changes and version registrations around the incident (suspects included).
    for change in incident_changes(user=user, incident=postmortem.incident).timeline:
        items.append(TimelineItem(at=change.at, text=f"{change.kind_label}: {change.description}", source="change",
                                  actor=change.recorded_by))
    return sorted(items, key=lambda item: (item.at, item.source != "audit"))


@dataclass(frozen=True)
class FactReport:
    """A report in the Facts section: the report, whether its logged input is withheld from the
    reader (a reporter outside the team reads their own report, not the log's values), and its
    most suspicious input against the version's reference (None when withheld or none)."""

    report: Report
    inputs_withheld: bool
    top_check: dict[str, Any] | None

    @property
    def pk(self) -> int:
        return self.report.pk


@dataclass(frozen=True)
class PostmortemFacts:
    reports: tuple[FactReport, ...]  # oldest first
    replays: tuple[Replay, ...]  # newest first
    evidence: tuple[EvidenceRow, ...]  # attached to the incident, as the reader may see it


def postmortem_facts(*, user, postmortem: Postmortem,
                     evidence: list[EvidenceRow] | tuple[EvidenceRow, ...] | None = None) -> PostmortemFacts:
    """What the tracker already knows, pulled into the Facts section: the reports (what was
    seen, what was expected, the logged input and output), the replays of them, the most
    suspicious input of each, and the evidence attached to the incident — each only as far as
    `user` may see it (a reporter sees their own report, not the other reporters')."""
    reports = list(report_list(user=user).defer(None).filter(incident_id=postmortem.incident_id)
                   .select_related("model_version", "reporter").prefetch_related("attachments")
                   .order_by("created_at")[:50])
    readers = LoggedInputsReaders(user)
    rows = []
    for report in reports:
        # A reporter outside the team reads their own report here, as on its page: logged values stay the team's.
        withheld = not readers.may_read(report)
        checks = [] if withheld or not report.model_version_id else input_checks(
            model_version=report.model_version, features=report.features or {})
        rows.append(FactReport(report=report, inputs_withheld=withheld, top_check=checks[0] if checks else None))
    replays = list(replay_list(user=user).filter(reports__incident_id=postmortem.incident_id).distinct()
                   .select_related("model_version").order_by("-created_at")[:20])
    if evidence is None:
        evidence = evidence_as_seen_by(user=user, incident=postmortem.incident, rows=list(
            IncidentEvidence.objects.filter(incident_id=postmortem.incident_id).select_related("added_by")))
    return PostmortemFacts(reports=tuple(rows), replays=tuple(replays), evidence=tuple(evidence))


def root_cause_category_label(value: str) -> str:
    return RootCauseCategory(value).label if value in RootCauseCategory.values else ""
