"""Team policies: when a post-mortem is due, and which are overdue or waiting too long for review.
A team without a policy row follows the defaults (apps/insights/models.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.core.dates import day_start
from apps.incidents import lifecycle
from apps.incidents.models import Incident, Severity
from apps.postmortems.models import Postmortem, PostmortemStatus

from .models import DEFAULT_POSTMORTEM_DUE_WORKING_DAYS, DEFAULT_REVIEW_WAIT_DAYS, TeamPolicy

# Most severe first: "high or above" is a prefix of this list.
SEVERITY_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
# A post-mortem no longer owed: a reviewer approved it (or it is published).
POSTMORTEM_DONE = [PostmortemStatus.APPROVED, PostmortemStatus.PUBLISHED]


@dataclass(frozen=True)
class Policy:
    team_id: int | None
    postmortem_due_working_days: int = DEFAULT_POSTMORTEM_DUE_WORKING_DAYS
    postmortem_min_severity: str = Severity.HIGH
    review_wait_days: int = DEFAULT_REVIEW_WAIT_DAYS

    @property
    def severities(self) -> list[str]:
        return SEVERITY_ORDER[:SEVERITY_ORDER.index(self.postmortem_min_severity) + 1]


def add_working_days(day: date, days: int) -> date:
    """`days` working days (Monday to Friday) after `day`: resolved on a Friday with 5 days
    given, the post-mortem is due the next Friday."""
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def latest_overdue_resolution_day(*, today: date, working_days: int) -> date:
    """The last resolution day whose post-mortem is overdue today (due before today)."""
    day = today - timedelta(days=1)
    while add_working_days(day, working_days) >= today:
        day -= timedelta(days=1)
    return day


def _policy(row: TeamPolicy) -> Policy:
    return Policy(team_id=row.team_id, postmortem_due_working_days=row.postmortem_due_working_days,
                  postmortem_min_severity=row.postmortem_min_severity, review_wait_days=row.review_wait_days)


def policies_for(team_ids) -> dict[int | None, Policy]:
    """Each team's policy (the defaults for a team without a row); key None for unowned models."""
    found = {row.team_id: _policy(row)
             for row in TeamPolicy.objects.filter(team_id__in=[t for t in team_ids if t is not None])}
    return {team_id: found.get(team_id, Policy(team_id=team_id)) for team_id in team_ids}


@dataclass(frozen=True)
class Policies:
    """Every team's policy, read once (one query over a table of a row per team that set one):
    a page asking several questions of the policies (overdue, waiting, each listed incident's
    due date) asks them of this, rather than looking up its teams and their rows per question."""

    by_team: dict[int, Policy]

    def of(self, team_id: int | None) -> Policy:
        return self.by_team.get(team_id) or Policy(team_id=team_id)

    def branches(self, team: str, condition) -> Q:
        """`condition(policy)` of each row's team: one OR-branch per team with a policy row, one
        for every other team (and no team) with the defaults — the rule stays one SQL query.
        `team` is the lookup of the team's id from the queried rows (e.g. `model__team_id`)."""
        default = condition(Policy(team_id=None))
        if not self.by_team:
            return default
        branches = ~Q(**{f"{team}__in": list(self.by_team)}) & default
        for team_id, policy in self.by_team.items():
            branches |= Q(**{team: team_id}) & condition(policy)
        return branches


def read_policies() -> Policies:
    return Policies(by_team={row.team_id: _policy(row) for row in TeamPolicy.objects.all()})


def postmortems_overdue(incidents: QuerySet[Incident], *, today: date | None = None,
                        policies: Policies | None = None) -> QuerySet[Incident]:
    """The incidents whose post-mortem is overdue by their team's policy: severe enough, resolved
    (or closed) more than the policy's working days ago, and no approved post-mortem yet, oldest
    resolution first."""
    today = today or timezone.localdate()
    policies = policies or read_policies()
    owed = incidents.filter(lifecycle.resolved_now()).exclude(postmortem__status__in=POSTMORTEM_DONE)

    def overdue(policy: Policy) -> Q:
        last_day = latest_overdue_resolution_day(today=today, working_days=policy.postmortem_due_working_days)
        return Q(severity__in=policy.severities, resolved_at__lt=day_start(last_day + timedelta(days=1)))

    return owed.filter(policies.branches("model__team_id", overdue)).order_by("resolved_at", "pk")


def postmortem_owed(*, incident: Incident, today: date | None = None) -> tuple[date, bool] | None:
    """For the incident page: (due date, overdue?) while the incident's post-mortem is owed
    under its team's policy; None when none is owed (not severe enough, not resolved, or approved)."""
    today = today or timezone.localdate()
    policy = policies_for([incident.model.team_id])[incident.model.team_id]
    if incident.severity not in policy.severities or incident.status not in lifecycle.RESOLVED_NOW:
        return None
    row = (Incident.objects.filter(pk=incident.pk).exclude(postmortem__status__in=POSTMORTEM_DONE)
           .values_list("resolved_at", flat=True).first())
    if row is None:
        return None
    due = add_working_days(timezone.localtime(row).date(), policy.postmortem_due_working_days)
    return due, due < today


def postmortems_waiting(incidents: QuerySet[Incident], *, now: datetime | None = None,
                        policies: Policies | None = None) -> QuerySet[Postmortem]:
    """Post-mortems in review for longer than their team's `review_wait_days`, longest first."""
    now = now or timezone.now()
    policies = policies or read_policies()
    in_review = Postmortem.objects.filter(status=PostmortemStatus.IN_REVIEW, review_requested_at__isnull=False)
    if incidents.query.has_filters():  # else every incident (an admin's): nothing to narrow to
        in_review = in_review.filter(incident__in=incidents.values("pk"))
    waited = policies.branches("incident__model__team_id", lambda policy: Q(
        review_requested_at__lt=now - timedelta(days=policy.review_wait_days)))
    return in_review.filter(waited).select_related("incident__model").order_by("review_requested_at", "pk")
