"""Reports about the same problem land in the same incident; what happens when that incident
is resolved, declined, closed or merged away."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.incidents.models import FingerprintRoute, Incident, IncidentStatus
from apps.incidents.services import incident_transition, incident_update, version_at_or_after
from apps.predictions.services import predictions_log
from apps.reports.services import report_create
from tests.registry.factories import iris_row, trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return trained_version()


def unit_changed(index: int = 0) -> dict[str, float]:
    """An iris row whose petal length was logged in millimetres instead of centimetres."""
    row = iris_row(index)
    return row | {"petal_length": row["petal_length"] * 10}


def grouping_of(report) -> str:
    return AuditEvent.objects.get(action="report.create", target_id=str(report.pk)).new["grouping"]


def test_reports_with_the_same_model_output_and_surface_share_an_incident(user, version):
    first = file_report(reporter=user, version=version, index=0, title="Setosa everywhere")
    second = file_report(reporter=user, version=version, index=1, title="Another setosa")

    assert second.incident == first.incident
    assert first.fingerprint == second.fingerprint == first.incident.fingerprint
    assert first.incident.title == "Setosa everywhere"  # the first report names it
    assert first.incident.fingerprint_label == "iris · output setosa · no suspicious input"
    assert (grouping_of(first), grouping_of(second)) == ("opened", "attached")
    assert Incident.objects.count() == 1 and FingerprintRoute.objects.count() == 1


@pytest.mark.parametrize("other", [
    {"index": 100, "output": "virginica"},  # another output class
    {"index": 1, "context": {"surface": "search-page"}},  # another surface
    {"index": 1, "features": unit_changed(1)},  # a suspicious input
])
def test_a_different_output_surface_or_input_pattern_opens_another_incident(user, version, other):
    first = file_report(reporter=user, version=version, index=0)
    second = file_report(reporter=user, version=version, **other)

    assert second.incident != first.incident


def test_the_suspicious_input_pattern_is_part_of_the_fingerprint(user, version):
    first = file_report(reporter=user, version=version, index=0, features=unit_changed(0))
    second = file_report(reporter=user, version=version, index=1, features=unit_changed(1))

    assert second.incident == first.incident
    assert first.incident.fingerprint_label.endswith("input petal_length:scale_shift")


def test_the_surface_of_a_logged_prediction_counts_when_the_report_names_none(user, version):
    predictions_log(rows=[{"prediction_id": f"p-{i}", "model": "iris", "model_version": "1.0",
                           "features": iris_row(i), "output": "setosa", "context": {"surface": surface}}
                          for i, surface in ((1, "shop"), (2, "search"))])
    on_shop = file_report(reporter=user, version=version, index=0, context={"surface": "shop"})

    logged_on_shop = report_create(reporter=user, model_name="iris", prediction_id="p-1", title="x")
    logged_on_search = report_create(reporter=user, model_name="iris", prediction_id="p-2", title="x")

    assert logged_on_shop.incident == on_shop.incident
    assert logged_on_search.incident != on_shop.incident


@pytest.mark.parametrize("status", ["triaged", "investigating"])
def test_a_report_joins_an_incident_that_is_being_worked_on(user, version, status):
    first = file_report(reporter=user, version=version, index=0)
    incident_transition(incident_id=first.incident_id, to=status, actor=user)

    assert file_report(reporter=user, version=version, index=1).incident == first.incident


def test_a_closed_incident_is_never_reopened_automatically_a_new_one_follows_it(user, version):
    first = file_report(reporter=user, version=version, index=0)
    incident_transition(incident_id=first.incident_id, to="resolved", actor=user)
    incident_transition(incident_id=first.incident_id, to="closed", actor=user)

    later = file_report(reporter=user, version=version, index=1)
    again = file_report(reporter=user, version=version, index=2)

    first.incident.refresh_from_db()
    assert first.incident.status == IncidentStatus.CLOSED
    assert later.incident != first.incident and later.incident.status == IncidentStatus.OPEN
    assert again.incident == later.incident  # the new incident takes over the fingerprint
    opened = AuditEvent.objects.get(action="incident.open", target_id=str(later.incident_id))
    assert opened.new["follows"] == first.incident_id


def test_a_declined_incident_takes_new_reports_and_stays_declined(user, version):
    first = file_report(reporter=user, version=version, index=0)
    incident_transition(incident_id=first.incident_id, to="declined", actor=user,
                        note="Setosa is what these measurements are.")

    later = file_report(reporter=user, version=version, index=1)

    assert later.incident == first.incident
    assert later.incident.status == IncidentStatus.DECLINED  # the reporter sees the explanation
    assert grouping_of(later) == "declined"


def test_a_duplicate_marked_by_hand_without_a_merge_opens_a_new_incident(user, version):
    first = file_report(reporter=user, version=version, index=0)
    incident_transition(incident_id=first.incident_id, to="duplicate", actor=user)

    assert file_report(reporter=user, version=version, index=1).incident != first.incident


# --- regressions --------------------------------------------------------------------------------

@pytest.fixture
def versions(version):
    """1.0, then 1.1 (the fix), then 1.2, registered in that order."""
    return {"1.0": version, "1.1": trained_version(version="1.1"), "1.2": trained_version(version="1.2")}


def resolved_incident(user, versions, *, fixed_in: str | None):
    report = file_report(reporter=user, version=versions["1.0"], index=0)
    return incident_transition(incident_id=report.incident_id, to="resolved", actor=user, fixed_in_version=fixed_in)


def test_resolving_records_the_version_the_fix_shipped_in(user, versions):
    incident = resolved_incident(user, versions, fixed_in="1.1")

    assert incident.fixed_in_version == versions["1.1"]
    event = AuditEvent.objects.filter(action="incident.transition", target_id=str(incident.pk)).first()
    assert event.new["fixed_in_version"] == "1.1"


@pytest.mark.parametrize("reported_on", ["1.1", "1.2"])
def test_a_report_from_the_fixed_version_or_later_reopens_the_incident_as_a_regression(user, versions, reported_on):
    incident = resolved_incident(user, versions, fixed_in="1.1")

    report = file_report(reporter=user, version=versions[reported_on], index=1)

    incident.refresh_from_db()
    assert report.incident == incident
    assert incident.status == IncidentStatus.OPEN
    assert incident.fixed_in_version is None  # that fix did not hold
    regression = AuditEvent.objects.get(action="incident.regression", target_id=str(incident.pk))
    assert regression.new == {"status": "open", "report": report.pk, "model_version": reported_on}
    assert regression.old == {"status": "resolved", "fixed_in_version": "1.1"}
    assert regression.actor is None  # the system reopened it, not the reporter


def test_a_report_from_a_version_before_the_fix_joins_the_resolved_incident_quietly(user, versions):
    incident = resolved_incident(user, versions, fixed_in="1.1")

    report = file_report(reporter=user, version=versions["1.0"], index=1)

    incident.refresh_from_db()
    assert report.incident == incident
    assert incident.status == IncidentStatus.RESOLVED
    assert grouping_of(report) == "known_fixed"
    assert not AuditEvent.objects.filter(action="incident.regression").exists()


def test_without_a_fix_version_any_matching_report_reopens(user, versions):
    incident = resolved_incident(user, versions, fixed_in=None)

    file_report(reporter=user, version=versions["1.0"], index=1)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.OPEN


def test_versions_are_ordered_by_registration_not_by_their_names(version):
    nine = trained_version(version="1.9")
    ten = trained_version(version="1.10")
    twin = trained_version(version="1.11")
    twin.created_at = ten.created_at  # registered in the same instant: the id breaks the tie
    twin.save()

    assert version_at_or_after(ten, nine) and not version_at_or_after(nine, ten)
    assert version_at_or_after(ten, ten)
    assert version_at_or_after(twin, ten) and not version_at_or_after(ten, twin)


def test_the_fix_version_can_be_set_and_cleared_with_an_update(user, versions):
    report = file_report(reporter=user, version=versions["1.0"])

    updated = incident_update(incident_id=report.incident_id, actor=user, fixed_in_version="1.2")
    assert updated.fixed_in_version == versions["1.2"]
    cleared = incident_update(incident_id=report.incident_id, actor=user, fixed_in_version=None)
    assert cleared.fixed_in_version is None


def test_an_unknown_fix_version_or_one_given_outside_resolving_is_refused(user, versions):
    from apps.core.errors import InvalidInput

    report = file_report(reporter=user, version=versions["1.0"])
    with pytest.raises(InvalidInput) as unknown:
        incident_transition(incident_id=report.incident_id, to="resolved", actor=user, fixed_in_version="7.0")
    assert "fixed_in_version" in unknown.value.errors
    with pytest.raises(InvalidInput, match="when resolving"):
        incident_transition(incident_id=report.incident_id, to="triaged", actor=user, fixed_in_version="1.1")


def test_another_models_version_is_not_a_fix_version(user, versions):
    from apps.core.errors import InvalidInput

    trained_version("wine", version="3.0")
    report = file_report(reporter=user, version=versions["1.0"])
    with pytest.raises(InvalidInput, match="has no version '3.0'"):
        incident_update(incident_id=report.incident_id, actor=user, fixed_in_version="3.0")


def test_reopening_by_hand_forgets_the_fix_version(user, versions):
    incident = resolved_incident(user, versions, fixed_in="1.1")

    reopened = incident_transition(incident_id=incident.pk, to="open", actor=user)

    assert reopened.fixed_in_version is None


def test_first_and_last_seen_come_from_the_reports(user, version):
    from apps.incidents.selectors import incident_get

    first = file_report(reporter=user, version=version, index=0)
    second = file_report(reporter=user, version=version, index=1)
    first.created_at = timezone.now() - timezone.timedelta(days=2)
    first.save()

    incident = incident_get(user=user, incident_id=first.incident_id)
    assert incident.first_seen == first.created_at and incident.last_seen == second.created_at
