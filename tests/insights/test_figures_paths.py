"""The insights' paths that the hand-computed history (test_figures.py) does not take: an admin's
scope (nothing to narrow to), teams with and without a policy row and models no team owns, and
how many queries a page costs."""

from datetime import timedelta

import pytest

from apps.incidents.models import IncidentStatus, Severity
from apps.insights.models import TeamPolicy
from apps.insights.read_models import InsightsFilters
from apps.insights.selectors import insights_for
from apps.postmortems.models import Postmortem, PostmortemStatus
from apps.registry.models import Model, ModelVersion
from tests.accounts.factories import admin_user

from .factories import at, history, incident, resolve, ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def past():
    return history()


def figures(user, past, **narrowing):
    return insights_for(user=user, filters=InsightsFilters(since=past.weeks[0], until=past.today, **narrowing))


def test_an_admin_counts_every_teams_tickets_and_post_mortems_waiting(past):
    shop = past.shop_restricted
    ticket(shop, due=past.weeks[2], created=at(past.weeks[1], 13))  # overdue since M2
    Postmortem.objects.create(incident=shop, status=PostmortemStatus.IN_REVIEW,
                              review_requested_at=past.b.postmortem.review_requested_at - timedelta(days=1))

    admin, member = figures(admin_user(), past), figures(past.member, past)

    items = admin.action_items
    assert (items.done_on_time, items.done_late, items.overdue, items.on_track) == (1, 1, 2, 1)
    assert [week.overdue_action_items for week in admin.weeks] == [1, 0, 2, 2]
    assert [(owed.incident_id, owed.title) for owed in admin.postmortems_waiting] == [
        (shop.pk, "Secret"), (past.b.pk, "Odd prediction")]
    # The team's member sees neither the other team's restricted ticket nor its post-mortem.
    assert member.action_items.overdue == 1
    assert [owed.incident_id for owed in member.postmortems_waiting] == [past.b.pk]


def test_each_team_follows_its_own_policy_and_models_no_team_owns_the_defaults(past):
    TeamPolicy.objects.create(team=past.team, postmortem_due_working_days=15)
    unowned = ModelVersion.objects.create(model=Model.objects.create(name="orphan"), version="0.1", artifact_uri="x")
    shop_version = ModelVersion.objects.get(model__name="shop")
    long_ago = at(past.weeks[0], 9)
    orphan = resolve(incident(unowned, opened=long_ago, predicted=None, severity=Severity.CRITICAL), long_ago)
    shop = resolve(incident(shop_version, opened=long_ago, predicted=None, severity=Severity.HIGH, title="Till"),
                   long_ago + timedelta(hours=1))
    assert shop.status == IncidentStatus.RESOLVED

    overdue = figures(past.member, past).postmortems_overdue

    # D (cellar: 15 working days now) is not overdue yet; the store team (no row) and the
    # model no team owns follow the defaults (5 working days), oldest resolution first.
    assert [(owed.incident_id, owed.title) for owed in overdue] == [
        (orphan.pk, "Odd prediction"), (shop.pk, f"Incident #{shop.pk} on shop")]  # not the store's own title
    assert [owed.url for owed in overdue] == [f"/incidents/{orphan.pk}/", f"/incidents/{shop.pk}/"]


# The figures' queries, pinned (lower them, never raise them). The same on both databases by
# chance: PostgreSQL counts the overdue trend and each pair of medians in one query each (SQLite
# needs two each) but spends three on its transaction (savepoint, `SET LOCAL jit`, release).
QUERIES = {"admin": 18, "member": 19}


@pytest.mark.parametrize("who", ["admin", "member"])
def test_the_figures_cost_a_fixed_number_of_queries(past, who, django_assert_num_queries):
    user = admin_user() if who == "admin" else past.member
    figures(user, past)  # warm: content types, sessions and the like
    with django_assert_num_queries(QUERIES[who]):
        figures(user, past)
