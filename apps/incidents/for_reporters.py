"""An incident's status in the words of the person who reported it: one place for My reports,
the e-mails and the chat answers, so that all three say the same thing."""

from __future__ import annotations

from dataclasses import dataclass

from .hooks import DECLINED, REOPENED, RESOLVED, TRIAGED
from .models import IncidentStatus

S = IncidentStatus


@dataclass(frozen=True)
class PlainStatus:
    words: str
    # For the badge's colour; the words carry the meaning on their own.
    tone: str  # "waiting", "working", "done", "declined"

    @property
    def label(self) -> str:
        """A badge's word for the tone."""
        return _LABELS[self.tone]


_LABELS = {"waiting": "Waiting", "working": "In progress", "done": "Done", "declined": "Not a bug"}


def status_for_reporter(status: str | None, *, fixed_in_version: str | None = None, note: str = "") -> PlainStatus:
    if status is None:
        return PlainStatus("Waiting to be sorted: an admin will pass it to the right team", "waiting")
    if status == S.OPEN:
        return PlainStatus("Received: the team has not looked at it yet", "waiting")
    if status == S.TRIAGED:
        return PlainStatus("The team confirmed it and will work on it", "working")
    if status == S.INVESTIGATING:
        return PlainStatus("The team is looking for the cause", "working")
    if status == S.MITIGATED:
        return PlainStatus("Worked around for now; the team is fixing the cause", "working")
    if status in (S.RESOLVED, S.CLOSED):
        return PlainStatus(f"Fixed in version {fixed_in_version}" if fixed_in_version else "Fixed", "done")
    if status == S.DECLINED:
        because = f": {note.strip()}" if note.strip() else ""
        return PlainStatus(f"Declined — the model behaves as intended{because}", "declined")
    if status == S.DUPLICATE:
        return PlainStatus("Handled together with an earlier report of the same problem", "working")
    return PlainStatus(S(status).label if status in S.values else status, "working")


def change_for_reporter(event: str, *, fixed_in_version: str | None = None, note: str = "") -> str:
    """One line of an e-mail or chat answer: what just happened, e.g. "fixed in version 1.1"."""
    if event == TRIAGED:
        return "the team confirmed the problem and will work on it"
    if event == RESOLVED:
        return f"fixed in version {fixed_in_version}" if fixed_in_version else "marked as fixed"
    if event == DECLINED:
        return "declined: the model behaves as intended" + (f" — {note.strip()}" if note.strip() else "")
    if event == REOPENED:
        return "reopened: the team is looking at it again"
    return "updated"
