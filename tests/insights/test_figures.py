"""The insights figures on a history whose answers were worked out by hand (tests/insights/factories.py)."""

from datetime import timedelta

import pytest

from apps.insights.models import TeamPolicy
from apps.insights.read_models import InsightsFilters
from apps.insights.selectors import insights_for
from apps.registry.models import ModelVersion
from apps.reports.models import Report
from tests.accounts.factories import UserFactory, admin_user

from .factories import event, history

pytestmark = pytest.mark.django_db

H = timedelta(hours=1)


@pytest.fixture
def past():
    return history()


def figures(user, past, **narrowing):
    return insights_for(user=user, filters=InsightsFilters(since=past.weeks[0], until=past.today, **narrowing))


def test_per_week_counts_follow_opening_and_latest_resolution(past):
    insights = figures(past.member, past)

    assert [week.start for week in insights.weeks] == past.weeks
    assert [week.opened for week in insights.weeks] == [2, 2, 0, 0]
    # C was resolved in M1 but came back: it is not counted as resolved.
    assert [week.resolved for week in insights.weeks] == [1, 2, 0, 0]
    assert (insights.opened.count, insights.resolved.count) == (4, 3)


def test_medians_of_time_to_detect_and_to_resolve(past):
    insights = figures(past.member, past)

    assert insights.median_time_to_resolve == 24 * H  # 12 h, 24 h, 120 h
    assert insights.median_time_to_detect == 2 * H  # 1 h, 2 h, 6 h; D names no logged prediction
    assert insights.detect_measured == 3
    resolve = [week.median_time_to_resolve for week in insights.weeks]
    detect = [week.median_time_to_detect for week in insights.weeks]
    assert resolve == [24 * H, 66 * H, None, None]  # M1: the mean of 12 h and 120 h
    assert detect == [4 * H, 1 * H, None, None]


def test_reopen_and_regression_rates(past):
    insights = figures(past.member, past)

    assert (insights.reopened.count, insights.reopened.out_of) == (1, 4)
    assert insights.reopened.share == 0.25
    assert (insights.regressions.count, insights.regressions.share) == (1, 0.25)


def test_action_items_on_time_late_overdue_and_the_trend(past):
    items = figures(past.member, past).action_items

    assert (items.done_on_time, items.done_late, items.overdue, items.on_track) == (1, 1, 1, 1)
    assert items.on_time_share == pytest.approx(1 / 3)
    # Overdue at each week's end: the late one in M0, nothing in M1, the open one since M2.
    assert [week.overdue_action_items for week in figures(past.member, past).weeks] == [1, 0, 1, 1]


def test_breakdowns_by_model_version_and_root_cause(past):
    insights = figures(past.member, past)

    assert [(item.key, item.incidents) for item in insights.by_model] == [("wine", 4)]
    assert [(item.key, item.incidents) for item in insights.by_version] == [("wine 1.0", 4)]
    assert [(item.key, item.incidents) for item in insights.by_root_cause] == [("feature_pipeline", 2), ("none", 2)]


def test_an_incident_counts_once_for_each_version_its_reports_came_from(past):
    newer = ModelVersion.objects.create(model=past.wine.model, version="1.1", artifact_uri="wine-1.1.joblib")
    for incident, version in ((past.a, past.wine), (past.a, newer), (past.a, newer), (past.b, newer)):
        Report.objects.create(model=version.model, model_version=version, incident=incident, title="Again",
                              created_at=incident.created_at + H)

    insights = figures(past.member, past)
    # A has reports from 1.0 twice and 1.1 twice: once in each; B once in each.
    assert [(item.key, item.incidents) for item in insights.by_version] == [("wine 1.0", 4), ("wine 1.1", 2)]


def test_what_is_owed_follows_the_team_policy(past):
    insights = figures(past.member, past)
    assert [owed.incident_id for owed in insights.postmortems_overdue] == [past.d.pk]
    assert [owed.incident_id for owed in insights.postmortems_waiting] == [past.b.pk]

    TeamPolicy.objects.create(team=past.team, postmortem_due_working_days=15, review_wait_days=7)
    insights = figures(past.member, past)
    assert insights.postmortems_overdue == [] and insights.postmortems_waiting == []


def test_reports_received_equal_reports_stored(past):
    insights = figures(past.member, past)
    assert (insights.reports_received, insights.reports_stored) == (4, 4)


def test_received_and_stored_tell_a_lost_report_from_an_unacknowledged_one(past):
    # Stored without the intake's acknowledgement (no report.create event): stored, not received.
    Report.objects.create(model=past.wine.model, model_version=past.wine, incident=past.a, title="Quiet",
                          created_at=past.a.created_at + H, reporter=past.member)
    # Acknowledged, then the row went missing: received, not stored — only someone who sees
    # everything is told (a reader's scope cannot place a report that is gone).
    lost = Report.objects.create(model=past.wine.model, model_version=past.wine, incident=past.b, title="Lost",
                                 created_at=past.b.created_at + H, reporter=past.member)
    event(lost, "report.create", lost.created_at)
    lost.delete()

    member = figures(past.member, past)
    assert (member.reports_received, member.reports_stored) == (4, 5)
    admin = figures(admin_user(), past)
    assert (admin.reports_received, admin.reports_stored) == (6, 6)  # the shop's report too


def test_figures_count_only_what_the_viewer_may_see(past):
    outsider = UserFactory()
    assert figures(admin_user(), past).opened.count == 5  # the restricted incident of another team too
    assert figures(past.member, past).opened.count == 4
    public = figures(outsider, past)
    # Someone in no team sees every incident's public outcome, none of the restricted one, and no reports.
    assert public.opened.count == 4 and public.reports_stored == 0 and public.reports_received == 0
    assert figures(past.member, past, model="shop").opened.count == 0
    assert figures(past.member, past, team="store").by_model == []
    nobody = figures(past.member, past, team="no-such-team")  # no models: nothing to count, no error
    assert (nobody.opened.count, nobody.median_time_to_detect, nobody.median_time_to_resolve) == (0, None, None)


def test_the_onset_forensics_found_in_the_log_is_where_detection_starts(past):
    from apps.incidents.models import IncidentOnset

    # D's report named no logged prediction; forensics found its pattern in the log 10 h before.
    IncidentOnset.objects.create(incident=past.d, first_odd_prediction_at=past.d.created_at - 10 * H,
                                 pattern="`ash` at twice the training median")
    insights = figures(past.member, past)

    assert insights.detect_measured == 4
    assert insights.median_time_to_detect == 4 * H  # 1 h, 2 h, 6 h, 10 h
    assert insights.weeks[1].median_time_to_detect == 5.5 * H  # C 1 h, D 10 h


def test_incidents_by_contributing_factor_count_each_incident_once_per_category(past, client):
    from apps.postmortems.models import ContributingFactor

    for postmortem, categories in ((past.a.postmortem, ["feature_pipeline", "data_drift", "feature_pipeline"]),
                                   (past.b.postmortem, ["feature_pipeline"])):
        for position, category in enumerate(categories):
            ContributingFactor.objects.create(postmortem=postmortem, category=category, description="x",
                                              position=position)
    factors = figures(past.member, past).by_factor

    assert [(item.key, item.incidents) for item in factors] == [("feature_pipeline", 2), ("data_drift", 1)]
    client.force_login(past.member)
    html = client.get(factors[1].url).content.decode()
    assert f'href="/incidents/{past.a.pk}/"' in html and f'href="/incidents/{past.b.pk}/"' not in html
    assert "Contributing factor: data drift" in html
