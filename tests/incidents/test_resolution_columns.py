"""An incident keeps when it was last resolved and how often it came back (`resolved_at`,
`reopened_count`, `regression_count`), so lists and insights need not search the audit trail:
kept by `incident_transition`, and filled for older incidents from the audit trail by a migration."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.incidents.models import Incident, IncidentStatus
from apps.incidents.services import incident_transition
from tests.insights.factories import history, move, resolve
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

BEFORE = [("incidents", "0007_merge_20261207_0112")]
AFTER = [("incidents", "0009_fill_resolution_columns")]


def _latest_resolution_event(incident: Incident) -> AuditEvent:
    return (AuditEvent.objects.filter(action="incident.transition", target_type="incidents.incident",
                                      target_id=str(incident.pk), new__status="resolved")
            .order_by("-created_at", "-id").first())


@pytest.mark.django_db
def test_the_latest_resolution_counts_across_resolve_reopen_resolve(user):
    incident = file_report(reporter=user, version=trained_version()).incident
    first = incident_transition(incident_id=incident.pk, to="resolved", actor=user)
    assert first.resolved_at is not None and first.reopened_count == 0

    incident_transition(incident_id=incident.pk, to="open", actor=user)
    reopened = Incident.objects.get(pk=incident.pk)
    # Still the first resolution's time, but the status says it is open again: not resolved now.
    assert reopened.resolved_at == first.resolved_at and reopened.reopened_count == 1
    assert not Incident.objects.filter(pk=incident.pk, status__in=["resolved", "closed"]).exists()

    before_second = timezone.now()
    incident_transition(incident_id=incident.pk, to="resolved", actor=user)
    incident_transition(incident_id=incident.pk, to="closed", actor=user)
    closed = Incident.objects.get(pk=incident.pk)
    # The second resolution is the one that counts (as the audit trail said), and closing keeps it.
    assert closed.resolved_at >= before_second > first.resolved_at
    assert abs(closed.resolved_at - _latest_resolution_event(closed).created_at) < timedelta(seconds=1)
    assert (closed.reopened_count, closed.regression_count) == (1, 0)


@pytest.mark.django_db
def test_reopening_a_declined_incident_is_not_coming_back_after_a_fix(user):
    incident = file_report(reporter=user, version=trained_version()).incident
    incident_transition(incident_id=incident.pk, to="declined", actor=user, note="Expected: shared accounts.")
    incident_transition(incident_id=incident.pk, to="open", actor=user)
    again = Incident.objects.get(pk=incident.pk)
    assert (again.resolved_at, again.reopened_count) == (None, 0)


def _migrate(targets) -> None:
    MigrationExecutor(connection).migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_columns_from_the_audit_trail_and_is_reversible():
    past = history()  # A, B, D resolved; C resolved then reopened by a regression
    hand = past.a.__class__.objects.create(model=past.wine.model, title="Reopened by hand",
                                           created_at=past.a.created_at)
    resolve(hand, past.a.created_at + timedelta(hours=1))
    move(hand, IncidentStatus.OPEN, past.a.created_at + timedelta(hours=2))
    second = past.a.created_at + timedelta(hours=5)
    resolve(hand, second)
    move(hand, IncidentStatus.CLOSED, past.a.created_at + timedelta(hours=9))
    expected = {row["pk"]: row for row in Incident.objects.values("pk", "resolved_at", "reopened_count",
                                                                   "regression_count")}
    assert expected[hand.pk]["resolved_at"] == second

    _migrate(BEFORE)  # the columns are gone…
    with connection.cursor() as cursor:
        columns = [column.name for column in connection.introspection.get_table_description(cursor,
                                                                                           "incidents_incident")]
    assert "resolved_at" not in columns
    _migrate(AFTER)  # …and come back filled from the audit trail alone
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # today's schema (later migrations)

    found = {row["pk"]: row for row in Incident.objects.values("pk", "resolved_at", "reopened_count",
                                                                "regression_count")}
    assert found == expected
    assert found[past.c.pk]["reopened_count"] == found[past.c.pk]["regression_count"] == 1
    assert found[hand.pk]["reopened_count"] == 1 and found[hand.pk]["regression_count"] == 0
    assert found[past.shop_restricted.pk]["resolved_at"] is None
