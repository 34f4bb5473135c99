"""Change events around an incident: the ones inside its window (for its timeline) and the
**suspects** — changes of its model (or of the whole platform) in the `SUSPECT_WINDOW` before
the incident started. "Started" is the first logged prediction with the incident's pattern when
forensics found one (`IncidentOnset`), else its first report, else when it was opened. 24 hours
is "closely": long enough for a nightly pipeline run or a deploy that reaches traffic the next
morning, short enough that the list stays a handful; the nearest change comes first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Min
from django.utils import timezone

from apps.core.humanize import duration
from apps.registry.changes import ChangeRow, changes_between

from .models import Incident, IncidentOnset, IncidentStatus

SUSPECT_WINDOW = timedelta(hours=24)
MAX_SUSPECTS = 3
_ENDED = {IncidentStatus.RESOLVED, IncidentStatus.CLOSED, IncidentStatus.DECLINED, IncidentStatus.DUPLICATE}


@dataclass(frozen=True)
class Suspect:
    change: ChangeRow
    before: timedelta  # how long before the start the change happened
    sentence: str  # "Version 1.1 was registered 40 min before the first logged prediction with …"


@dataclass(frozen=True)
class IncidentChanges:
    started_at: datetime
    start_label: str  # "the first logged prediction with `proline` above 1,680 (the training max)"
    suspects: list[Suspect]
    timeline: list[ChangeRow]  # oldest first, from SUSPECT_WINDOW before the start


def incident_start(*, incident: Incident) -> tuple[datetime, str]:
    onset = IncidentOnset.objects.filter(incident=incident).first()
    if onset is not None and onset.first_odd_prediction_at is not None:
        return onset.first_odd_prediction_at, f"the first logged prediction with {onset.pattern}"
    first_report = incident.reports.aggregate(first=Min("created_at"))["first"]
    if first_report is not None:
        return first_report, "the first report"
    return incident.created_at, "the incident was opened"


def _sentence(change: ChangeRow, before: timedelta, start_label: str) -> str:
    if change.is_version:
        what = f"Version {change.version} was registered"
    else:
        what = f"{change.kind_label} “{change.description[:120]}” happened"
    return f"{what} {duration(before)} before {start_label}."


def incident_changes(*, user, incident: Incident) -> IncidentChanges:
    """The caller has checked that `user` sees the incident; the changes are scoped again."""
    started_at, start_label = incident_start(incident=incident)
    window_start = started_at - SUSPECT_WINDOW
    ended_at = incident.updated_at if incident.status in _ENDED else timezone.now()
    rows = changes_between(user=user, model=incident.model, since=window_start, until=max(ended_at, started_at))
    suspects = sorted((row for row in rows if row.at <= started_at), key=lambda row: started_at - row.at)
    return IncidentChanges(
        started_at=started_at, start_label=start_label,
        suspects=[Suspect(change=row, before=started_at - row.at, sentence=_sentence(row, started_at - row.at,
                                                                                      start_label))
                  for row in suspects[:MAX_SUSPECTS]],
        timeline=sorted(rows, key=lambda row: row.at))
