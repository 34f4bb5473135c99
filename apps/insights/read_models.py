"""What the insights page, its CSV and `GET /api/v1/insights/` render: one typed object built by
`insights_for` (apps/insights/selectors/), so the three always show the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

# The range a page of weekly figures can show: a few years, between sensible years (a date like
# 0001-01-01 or 9999-12-31 would overflow the week arithmetic and ask for 500,000 weeks).
MAX_RANGE_DAYS = 3 * 366
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def range_problems(since: date | None, until: date | None) -> dict[str, str]:
    """What is wrong with a requested range, by field ({} when it is fine)."""
    problems = {}
    for name, day in (("since", since), ("until", until)):
        if day is not None and not EARLIEST <= day <= LATEST:
            problems[name] = f"Choose a day between {EARLIEST.isoformat()} and {LATEST.isoformat()}."
    if not problems and since and until:
        if since > until:
            problems["until"] = "Choose a day on or after the first day."
        elif (until - since).days > MAX_RANGE_DAYS:
            problems["since"] = "Choose a range of at most three years."
    return problems


@dataclass(frozen=True)
class InsightsFilters:
    team: str = ""  # a team's slug
    model: str = ""  # a model's name
    since: date | None = None  # first day (default: the Monday 15 weeks before `until`)
    until: date | None = None  # last day (default: today)


@dataclass(frozen=True)
class Week:
    start: date  # a Monday
    opened: int
    resolved: int
    median_time_to_detect: timedelta | None
    median_time_to_resolve: timedelta | None
    overdue_action_items: int  # tickets overdue at the end of the week (or now, for this week)
    opened_url: str
    resolved_url: str


@dataclass(frozen=True)
class Slice:
    """One bar of a breakdown: incidents by model, version, root cause or contributing factor."""

    key: str
    label: str
    incidents: int
    url: str


@dataclass(frozen=True)
class Rate:
    count: int
    out_of: int
    url: str

    @property
    def share(self) -> float | None:
        return self.count / self.out_of if self.out_of else None


@dataclass(frozen=True)
class ActionItemFigures:
    done_on_time: int
    done_late: int
    overdue: int  # open or in progress, due before today
    on_track: int  # open or in progress, not yet due (or no due date)
    url: str

    @property
    def on_time_share(self) -> float | None:
        """Done on time ÷ every ticket whose due date has come: done (on time or late) or overdue."""
        judged = self.done_on_time + self.done_late + self.overdue
        return self.done_on_time / judged if judged else None


@dataclass(frozen=True)
class OwedPostmortem:
    incident_id: int
    title: str
    model: str
    severity: str
    since: datetime  # resolved at (overdue) or review requested at (waiting)
    due: date | None  # the policy's due date (overdue ones)
    days: int  # days overdue, or days waiting
    url: str


@dataclass(frozen=True)
class Insights:
    filters: InsightsFilters
    since: date
    until: date
    opened: Rate  # incidents opened in the range (out_of: the same; url: the list)
    resolved: Rate  # resolved in the range, their latest resolution in it
    median_time_to_detect: timedelta | None
    detect_measured: int  # incidents opened in the range with a logged prediction to measure from
    median_time_to_resolve: timedelta | None
    reopened: Rate  # of the range's incidents resolved at least once, how many came back
    regressions: Rate  # … came back through a regression report
    weeks: list[Week]
    by_model: list[Slice]
    by_version: list[Slice]
    by_root_cause: list[Slice]
    by_factor: list[Slice]  # contributing-factor categories
    action_items: ActionItemFigures
    postmortems_overdue: list[OwedPostmortem]
    postmortems_waiting: list[OwedPostmortem]
    reports_received: int  # acknowledged by the intake (its `report.create` audit events)
    reports_stored: int  # report rows

    @property
    def reports_all_stored(self) -> bool:
        return self.reports_received == self.reports_stored
