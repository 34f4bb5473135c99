from __future__ import annotations

from django.db.models import Q, QuerySet

from apps.accounts.access import user_access
from apps.core.errors import NotFound
from apps.incidents.models import IncidentStatus
from apps.reports.models import Report
from apps.reports.selectors import report_list

from .models import ExpectedOutcome, Replay, ReplayResult


def replay_list(*, user) -> QuerySet[Replay]:
    """Replays are team work: the owning team (everyone, for a model no team owns) and admins,
    and of those only whoever may see every report a replay ran. A replay shows each report's
    outputs and diffs, so a restricted incident's reports (on a model no team owns, seen only
    by the people it names) must not surface through someone else's replay."""
    access = user_access(user)
    queryset = Replay.objects.select_related("model_version__model", "requested_by")
    if access.is_admin:
        return queryset
    if not access.is_authenticated:
        return queryset.none()
    hidden_reports = Report.objects.exclude(pk__in=report_list(user=user).order_by().values("pk"))
    return (queryset.filter(Q(model_version__model__team_id__in=access.team_ids)
                            | Q(model_version__model__team__isnull=True))
            .exclude(reports__in=hidden_reports))


def replay_get(*, user, replay_id: int) -> Replay:
    replay = replay_list(user=user).filter(pk=replay_id).first()
    if replay is None:
        raise NotFound(f"There is no replay {replay_id}, or you may not see it.")
    return replay


def replay_results(*, replay: Replay) -> QuerySet[ReplayResult]:
    return replay.results.order_by("report_id")


def replays_for_report(*, user, report_id: int) -> list[tuple[Replay, ReplayResult | None]]:
    replays = list(replay_list(user=user).filter(reports=report_id).order_by("-created_at", "-id")[:20])
    results = {result.replay_id: result for result in ReplayResult.objects.filter(report_id=report_id,
                                                                                 replay__in=replays)}
    return [(replay, results.get(replay.pk)) for replay in replays]


def reports_for_batch(*, user, model, reports: list[int] | None = None, incident: int | None = None,
                      suite: str | None = None):
    """The reports a batch replay runs: an explicit list, an incident's, or the suite of
    resolved cases."""
    queryset = report_list(user=user).filter(model=model)
    if reports:
        found = list(queryset.filter(pk__in=reports))
        missing = sorted(set(reports) - {report.pk for report in found})
        if missing:
            raise NotFound(f"No report(s) {', '.join(map(str, missing[:20]))} for model {model.name}.",
                           errors={"reports": [f"Unknown report ids: {missing[:20]}"]})
        return found
    if incident is not None:
        return list(queryset.filter(incident_id=incident))
    if suite == "resolved":
        # The suite's pages show each case's expectation: loaded with it, not one query a case.
        return list(queryset.filter(incident__status__in=[IncidentStatus.RESOLVED, IncidentStatus.CLOSED],
                                    expected_outcome__isnull=False).select_related("expected_outcome"))
    return []


def suite_reports(*, model) -> QuerySet:
    """The regression suite of a model: every report whose incident is resolved (or closed)
    and that has an agreed expected outcome. Unscoped: for the system (replay_suite); people
    go through `reports_for_batch`, which sees only what they may see."""
    return (Report.objects.filter(model=model, expected_outcome__isnull=False,
                                  incident__status__in=[IncidentStatus.RESOLVED, IncidentStatus.CLOSED])
            .order_by("pk"))


def suite_history(*, model, limit: int = 50) -> list[Replay]:
    """The model's suite runs, newest first, with their version."""
    return list(Replay.objects.filter(model_version__model=model, suite=True).select_related("model_version")
                .order_by("-created_at", "-id")[:limit])


def expected_outcome_of(*, report) -> ExpectedOutcome | None:
    return ExpectedOutcome.objects.filter(report=report).select_related("set_by").first()


def suite_results(*, replay: Replay) -> QuerySet[ReplayResult]:
    from django.db.models import Case, IntegerField, Value, When

    from .models import SuiteVerdict

    # What blocks a release first, then what never worked, then what passes.
    rank = Case(When(verdict=SuiteVerdict.REGRESSED, then=Value(0)),
                When(verdict=SuiteVerdict.STILL_FAILING, then=Value(1)), default=Value(2), output_field=IntegerField())
    return replay.results.select_related("report__expected_outcome").order_by(rank, "report_id")
