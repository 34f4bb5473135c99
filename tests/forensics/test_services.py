"""A report's cached forensics (attribution, neighbours, prevalence) and drift reports with
the daily run that opens an incident, through the real services and a real wine model."""

from __future__ import annotations

from datetime import timedelta

import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import PermissionDenied
from apps.forensics.models import DriftReport, JobStatus, ReportForensics
from apps.forensics.services import (
    drift_report_request,
    drift_report_run,
    drift_reports_schedule_daily,
    report_forensics_compute,
    report_forensics_request,
)
from apps.reports.services import report_create
from tests.accounts.factories import TeamFactory, UserFactory, member_of
from tests.forensics.factories import NOW, log_wine, wine_row, wine_version

pytestmark = pytest.mark.django_db


def test_report_forensics_point_at_the_unit_change(run_on_commit):
    version = wine_version()
    log_wine(version, count=200, start=NOW - timedelta(hours=5))
    log_wine(version, count=50, start=NOW - timedelta(hours=2), scale={"proline": 1000}, prefix="ms", seed=1)
    features = wine_row(70) | {"proline": wine_row(70)["proline"] * 1000}
    with run_on_commit():
        report = report_create(reporter=UserFactory(), model_name="wine", model_version="1.0", features=features,
                               output="class_0", title="Same cultivar everywhere")
    report.created_at = NOW
    report.save()
    ReportForensics.objects.filter(report=report).update(status=JobStatus.QUEUED)

    forensics = report_forensics_compute(report_id=report.pk, now=NOW)

    assert forensics.status == JobStatus.SUCCEEDED and forensics.notes == []
    assert forensics.attribution["linear"]["features"][0]["feature"] == "proline"
    assert forensics.attribution["method"] == "median_substitution"
    assert len(forensics.attribution["features"]) == 13
    assert forensics.neighbours["k"] == 5 and forensics.neighbours["rows"][0]["features"]["proline"]
    assert forensics.prevalence[0]["feature"] == "proline"
    assert forensics.prevalence[0]["matching"] == 50 and forensics.prevalence[0]["total"] == 250
    assert forensics.prevalence[0]["message"].startswith("20.0% of today's 250 predictions have `proline` above")
    assert report_forensics_compute(report_id=report.pk) is None  # a redelivered task does nothing


def test_report_forensics_without_reference_says_so(run_on_commit):
    from tests.registry.factories import iris_row, trained_version

    version = trained_version(with_reference=False)
    with run_on_commit():
        report = report_create(reporter=UserFactory(), model_name=version.model.name, model_version="1.0",
                               features=iris_row(0), output="setosa", title="odd")

    forensics = ReportForensics.objects.get(report=report)

    assert forensics.status == JobStatus.SUCCEEDED
    assert "no reference statistics" in forensics.notes[0] and "--reference" in forensics.notes[0]


def test_recomputing_is_team_work_and_audited():
    team = TeamFactory()
    version = wine_version(team=team)
    report = report_create(reporter=UserFactory(), model_name="wine", model_version="1.0", features=wine_row(1),
                           output="class_0", title="odd")

    with pytest.raises(PermissionDenied):
        report_forensics_request(report=report, actor=UserFactory())
    report_forensics_request(report=report, actor=member_of(team))

    assert AuditEvent.objects.filter(action="report.forensics_request", target_id=str(report.pk)).count() == 1
    assert version.pk


def test_daily_drift_opens_one_incident_for_a_shifted_window_and_none_for_a_steady_one(run_on_commit):
    shifted = wine_version("wine-shifted")
    steady = wine_version("wine-steady")
    yesterday = NOW.replace(hour=0, minute=0) - timedelta(days=1)
    log_wine(shifted, count=300, start=yesterday + timedelta(hours=1), scale={"proline": 1.5, "alcohol": 1.2}, seed=2)
    log_wine(steady, count=300, start=yesterday + timedelta(hours=1), seed=3)

    with run_on_commit():
        reports = drift_reports_schedule_daily(now=NOW)
    again = drift_reports_schedule_daily(now=NOW)  # safe to run twice

    by_model = {drift.model_version.model.name: DriftReport.objects.get(pk=drift.pk) for drift in reports}
    assert {d.pk for d in again} == {d.pk for d in reports} and DriftReport.objects.count() == 2
    assert by_model["wine-shifted"].status == JobStatus.SUCCEEDED and by_model["wine-shifted"].rows == 300
    assert set(by_model["wine-shifted"].drifted_features) == {"proline", "alcohol"}
    assert by_model["wine-steady"].drifted_features == [] and by_model["wine-steady"].incident is None
    incident = by_model["wine-shifted"].incident
    assert incident is not None and "proline" in incident.title
    assert AuditEvent.objects.filter(action="incident.evidence_add", target_id=str(incident.pk)).exists()
    first_evidence = incident.evidence.first()
    assert first_evidence.kind == "drift_report" and first_evidence.ref_id == by_model["wine-shifted"].pk
    assert "proline" in first_evidence.note and first_evidence.url == f"/forensics/drift/{first_evidence.ref_id}/"

    # The next day's drift adds to the same open incident instead of opening another.
    log_wine(shifted, count=300, start=yesterday + timedelta(days=1, hours=1), scale={"proline": 1.5}, seed=4,
         prefix="q")
    with run_on_commit():
        next_day = drift_reports_schedule_daily(now=NOW + timedelta(days=1))
    assert DriftReport.objects.get(pk=next_day[0].pk).incident_id == incident.pk
    assert list(incident.evidence.values_list("ref_id", flat=True)) == [by_model["wine-shifted"].pk, next_day[0].pk]


def test_drift_without_reference_or_enough_rows_says_so():
    from tests.registry.factories import trained_version

    bare = trained_version("bare", with_reference=False)
    few = wine_version("few")
    log_wine(few, count=20, start=NOW - timedelta(hours=3))

    no_reference = drift_report_run(drift_report_id=drift_report_request(model_version=bare, actor=None).pk)
    too_few = drift_report_run(drift_report_id=drift_report_request(model_version=few, actor=None, end=NOW).pk)

    assert no_reference.status == JobStatus.FAILED and "no reference sample" in no_reference.error_message
    assert too_few.status == JobStatus.SUCCEEDED and too_few.rows == 20 and "at least 100" in too_few.notes[0]


def test_a_redacted_input_gets_no_attribution_but_says_why(run_on_commit):
    from apps.registry.services import model_redaction_set

    version = wine_version()
    model_redaction_set(model=version.model, features=["proline"])
    with run_on_commit():
        report = report_create(reporter=UserFactory(), model_name="wine", model_version="1.0",
                               features=wine_row(70), output="class_0", title="Odd")
    ReportForensics.objects.filter(report=report).update(status=JobStatus.QUEUED)

    forensics = report_forensics_compute(report_id=report.pk)

    assert forensics.status == JobStatus.SUCCEEDED
    assert forensics.attribution == {}
    assert any("proline is redacted" in note for note in forensics.notes)


def test_drift_leaves_out_redacted_features(run_on_commit):
    from apps.registry.services import model_redaction_set

    version = wine_version("wine-private")
    model_redaction_set(model=version.model, features=["proline"])
    yesterday = NOW.replace(hour=0, minute=0) - timedelta(days=1)
    log_wine(version, count=300, start=yesterday + timedelta(hours=1), scale={"alcohol": 1.2}, seed=2)

    with run_on_commit():
        drift = drift_reports_schedule_daily(now=NOW)[0]
    drift.refresh_from_db()

    assert drift.status == JobStatus.SUCCEEDED, drift.error_message
    assert "proline" not in drift.features and "alcohol" in drift.drifted_features


def test_forensics_stranded_by_a_broker_outage_are_sent_again(monkeypatch, run_on_commit):
    from django.utils import timezone

    from apps.forensics import tasks
    from apps.forensics.services import report_forensics_sweep

    wine_version()
    with monkeypatch.context() as outage:
        outage.setattr(tasks.report_forensics_task, "delay",
                       lambda *args: (_ for _ in ()).throw(ConnectionError("broker down")))
        with run_on_commit():
            report = report_create(reporter=UserFactory(), model_name="wine", model_version="1.0",
                                   features=wine_row(3), output="class_0", title="odd")
    assert ReportForensics.objects.get(report=report).status == JobStatus.QUEUED

    assert report_forensics_sweep() == 0  # not yet: it may still be on its way
    assert report_forensics_sweep(now=timezone.now() + timedelta(minutes=11)) == 1  # eager: computed now
    assert ReportForensics.objects.get(report=report).status == JobStatus.SUCCEEDED
