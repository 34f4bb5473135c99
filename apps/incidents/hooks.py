"""What other apps may hear from incidents without incidents importing them.

`incident_close_asked` is sent (with `incident`) inside the transaction that is about to close
an incident, with its row locked: the actions app answers with the accepted action items still
to finish, which keep it open (`incident_close_blockers`).

`incident_status_changed` is sent after the transaction that moved an incident commits (never
for a change that rolled back), with `change=StatusChange(...)`. The integrations layer
(notifications: e-mails to reporters; chatops: answers in the chat a report came from)
connects to it in its AppConfig.ready(). Receivers are called with send_robust: one that
fails is logged and does not stop the others, nor the request."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .models import Incident, IncidentStatus

logger = logging.getLogger(__name__)

incident_status_changed = Signal()
# Sent after the transaction that opened, resolved or reopened an incident commits, with
# `incident_id` and `event` (OPENED, RESOLVED or REOPENED): the model's chat channel is told
# (notifications connects to it). Restricted incidents are filtered by the receiver.
incident_announced = Signal()
OPENED = "opened"
# Asked before an incident closes, with `incident`: each receiver returns a list of CloseBlocker.
incident_close_asked = Signal()

# What reporters are told about: the team took it up, fixed it, declined it, or it came back.
TRIAGED, RESOLVED, DECLINED, REOPENED = "triaged", "resolved", "declined", "reopened"
_EVENT_FOR = {IncidentStatus.TRIAGED: TRIAGED, IncidentStatus.RESOLVED: RESOLVED,
              IncidentStatus.DECLINED: DECLINED}


@dataclass(frozen=True)
class StatusChange:
    incident_id: int
    old: str
    new: str
    at: datetime
    # TRIAGED, RESOLVED, DECLINED, REOPENED, or "" for a move reporters are not told about.
    event: str
    fixed_in_version: str | None = None
    note: str = ""

    def as_json(self) -> dict:
        return {"incident": self.incident_id, "old": self.old, "new": self.new, "event": self.event,
                "at": self.at.isoformat(), "fixed_in_version": self.fixed_in_version, "note": self.note}

    @classmethod
    def from_json(cls, data: dict) -> StatusChange:
        return cls(incident_id=data["incident"], old=data["old"], new=data["new"],
                   at=datetime.fromisoformat(data["at"]), event=data["event"],
                   fixed_in_version=data.get("fixed_in_version"), note=data.get("note") or "")


def reporter_event(old: str, new: str) -> str:
    if new == IncidentStatus.OPEN and old != IncidentStatus.OPEN:
        return REOPENED
    return _EVENT_FOR.get(new, "")


def status_change_announce_on_commit(*, incident: Incident, old: str) -> None:
    change = StatusChange(
        incident_id=incident.pk, old=old, new=incident.status, at=timezone.now(),
        event=reporter_event(old, incident.status),
        fixed_in_version=incident.fixed_in_version.version if incident.fixed_in_version_id else None,
        note=incident.resolution_note if incident.status == IncidentStatus.DECLINED else "",
    )

    def send() -> None:
        for _receiver, result in incident_status_changed.send_robust(sender=Incident, change=change):
            if isinstance(result, Exception):
                logger.error("A receiver of INC-%s's status change failed: %r", change.incident_id, result,
                             exc_info=result)

    transaction.on_commit(send)


def incident_announce_on_commit(*, incident: Incident, event: str) -> None:
    """Announces an incident's opening, fix or return once the change has committed."""
    if event not in (OPENED, RESOLVED, REOPENED):
        raise ValueError(f"Unknown event {event!r}")
    incident_id = incident.pk

    def send() -> None:
        for _receiver, result in incident_announced.send_robust(sender=Incident, incident_id=incident_id, event=event):
            if isinstance(result, Exception):
                logger.error("A receiver of INC-%s's %s announcement failed: %r", incident_id, event, result,
                             exc_info=result)

    transaction.on_commit(send)


# --- Evidence that names an object of an app above incidents ----------------------------------
# Evidence may cite a report (or its forensics, diagnosis or an attachment), a replay or a drift
# report: objects of apps above incidents, which incidents may not import. So incidents ask, and
# the app that owns the kind answers (its receiver is connected in its AppConfig.ready()). These
# two signals are questions, sent with `send` (not send_robust): an answer that fails is a bug,
# and must not turn into evidence attached unchecked or shown unredacted.


@dataclass(frozen=True)
class EvidenceTarget:
    """What a piece of evidence points at: its default title and the page it links to."""

    title: str
    url: str


@dataclass(frozen=True)
class CitedReports:
    """What a reader may open among the reports evidence cites."""

    readable: frozenset[int]  # the report ids the reader may open
    attachment_reports: dict[int, int]  # attachment id -> the report it belongs to


# Sent with `incident`, `kind` and `ref_id`; the owning app's receiver answers an EvidenceTarget
# when `ref_id` is one of the incident's (or its model's) objects of that kind, None otherwise.
evidence_target_requested = Signal()
# Sent with `user`, `report_ids` and `attachment_ids`; the reports app answers CitedReports.
evidence_reports_requested = Signal()


def evidence_target(*, incident: Incident, kind: str, ref_id: int) -> EvidenceTarget | None:
    """The target the owning app found, or None when no app knows `ref_id` on this incident."""
    for _receiver, answer in evidence_target_requested.send(sender=Incident, incident=incident, kind=kind,
                                                            ref_id=ref_id):
        if answer is not None:
            return answer
    return None


def evidence_cited_reports(*, user, report_ids: set[int], attachment_ids: set[int]) -> CitedReports:
    """What `user` may open among the cited reports; nothing, if no app answers (so evidence is
    withheld rather than shown to someone who may not read it)."""
    readable: set[int] = set()
    attachment_reports: dict[int, int] = {}
    for _receiver, answer in evidence_reports_requested.send(sender=Incident, user=user, report_ids=report_ids,
                                                             attachment_ids=attachment_ids):
        if answer is not None:
            readable |= answer.readable
            attachment_reports.update(answer.attachment_reports)
    return CitedReports(readable=frozenset(readable), attachment_reports=attachment_reports)
@dataclass(frozen=True)
class CloseBlocker:
    """An accepted action item, neither done nor won't-do, that keeps an incident from closing."""

    id: int
    title: str
    status: str
    status_label: str
    owner: str | None
    due_date: date | None


def incident_close_blockers(*, incident: Incident) -> list[CloseBlocker]:
    """What keeps `incident` from closing, by id, as the apps above answer `incident_close_asked`.
    Asked inside the closing transaction with the incident locked, so the answer and the move
    commit together. Sent with send(), not send_robust: a receiver that fails fails the close
    (a rule that could not be checked must not let the incident through)."""
    blockers: list[CloseBlocker] = []
    for _receiver, answer in incident_close_asked.send(sender=Incident, incident=incident):
        blockers.extend(answer or ())
    return sorted(blockers, key=lambda blocker: blocker.id)
