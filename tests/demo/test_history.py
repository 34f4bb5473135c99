"""The demo's four months of history make the insights tell a true story on first run."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from apps.incidents.models import Incident
from apps.insights.read_models import InsightsFilters
from apps.insights.selectors import insights_for

pytestmark = pytest.mark.django_db


def test_the_history_shows_a_team_getting_faster_and_what_it_still_owes():
    call_command("seed_demo")
    demo = get_user_model().objects.get(username="demo")
    insights = insights_for(user=demo, filters=InsightsFilters(since=timezone.localdate() - timedelta(days=120)))

    assert insights.opened.count == Incident.objects.count() == 20
    assert {item.key for item in insights.by_model} == {"wine-cultivar", "homepage-recommender"}
    measured = [week for week in insights.weeks if week.median_time_to_resolve is not None]
    early, recent = measured[:3], measured[-3:]
    assert max(week.median_time_to_resolve for week in recent) < min(week.median_time_to_resolve for week in early)
    assert (insights.regressions.count, insights.reopened.count) == (1, 1)
    items = insights.action_items
    assert items.done_on_time > items.done_late > 0 and items.overdue == 1
    assert sorted(owed.title for owed in insights.postmortems_overdue) == [
        "Ash values doubled after the warehouse sync", "Recommendation box empty for returning customers"]
    assert insights.reports_received == insights.reports_stored == 23
    assert any(item.key == "feature_pipeline" and item.incidents >= 4 for item in insights.by_root_cause)
    assert {item.key for item in insights.by_factor} >= {"feature_pipeline", "training_serving_skew", "data_drift"}


def test_the_history_has_the_changes_before_its_incidents_and_their_onsets():
    from apps.incidents.models import IncidentOnset, IncidentSignal
    from apps.registry.models import ChangeEvent

    call_command("seed_demo")
    call_command("seed_demo")  # once only
    migration = Incident.objects.get(title__startswith="Magnesium arrives")
    onset = IncidentOnset.objects.get(incident=migration)
    change = ChangeEvent.objects.get(description__startswith="Lab-feed export migrated")

    assert ChangeEvent.objects.count() == 6 and IncidentOnset.objects.count() == 7
    assert change.model == migration.model and onset.first_odd_prediction_at - change.at == timedelta(hours=2)
    assert onset.first_odd_prediction_at < migration.created_at
    assert set(IncidentSignal.objects.filter(incident=migration).values_list("kind", "value")) >= {
        ("flag", "magnesium:scale_shift"), ("flag_kind", "scale_shift"), ("root_cause", "feature_pipeline"),
        ("factor", "training_serving_skew")}
    # The milliseconds post-mortem is there for search to find.
    assert Incident.objects.filter(postmortem__summary__icontains="milliseconds").count() == 1


def test_nothing_in_the_demo_history_happens_in_the_future():
    """My reports once said a closed report's last change came "in 11 h"."""
    from apps.audit.models import AuditEvent

    call_command("seed_demo")
    now = timezone.now()
    assert not AuditEvent.objects.filter(created_at__gt=now).exists()
    assert not Incident.objects.filter(updated_at__gt=now).exists()
