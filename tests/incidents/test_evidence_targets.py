"""Evidence that names an object of an app above incidents (a report and its parts, a replay, a
drift report) is checked and linked by the app that owns it, which incidents ask through the
signals in apps/incidents/hooks.py: each kind is answered, another model's object is refused,
and with nobody to answer, nothing is attached unchecked nor shown unredacted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import InvalidInput
from apps.forensics.evidence_targets import evidence_target_of_drift_report
from apps.forensics.models import DriftReport
from apps.incidents.evidence import incident_evidence_add, incident_evidence_list
from apps.incidents.hooks import evidence_reports_requested, evidence_target_requested
from apps.replays.services import replay_start
from apps.reports.evidence_targets import evidence_reports_readable, evidence_target_of_report
from apps.reports.services import report_attachment_add
from tests.accounts.factories import UserFactory
from tests.postmortems.factories import team_postmortem
from tests.registry.factories import trained_version
from tests.reports.factories import file_report, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = team_postmortem()
    world.add = dict(incident_id=world.incident.pk, actor=world.member)
    return world


def _drift(version) -> DriftReport:
    now = timezone.now()
    return DriftReport.objects.create(model_version=version, window_start=now - timedelta(days=1), window_end=now)


def test_each_kind_that_names_an_object_gets_its_title_and_page_from_the_app_that_owns_it(world):
    attachment = report_attachment_add(report=world.report, upload=upload(b"Seen at 10:02.\n", "notes.txt",
                                                                          "text/plain"), actor=world.member)
    replay = replay_start(actor=world.member, model_version=world.version, reports=[world.report])
    drift = _drift(world.version)
    report = world.report.pk

    rows = {kind: incident_evidence_add(kind=kind, ref_id=ref_id, **world.add) for kind, ref_id in [
        ("report", report), ("forensics", report), ("diagnosis", report), ("attachment", attachment.pk),
        ("replay", replay.pk), ("drift_report", drift.pk)]}

    assert (rows["report"].title, rows["report"].url) == (f"WTF-{report} {world.report.title}",
                                                          f"/reports/{report}/")
    assert rows["forensics"].url == f"/reports/{report}/#forensics"
    assert rows["diagnosis"].title == f"Diagnosis of report #{report}"
    assert rows["attachment"].title == "Attachment notes.txt"
    assert rows["attachment"].url == f"/reports/{report}/attachments/{attachment.pk}/"
    assert rows["replay"].url == f"/replays/{replay.pk}/"
    assert rows["drift_report"].title == f"Drift report #{drift.pk} of version {world.version.version}"


def test_another_model_s_replay_or_drift_report_is_refused(world):
    other = trained_version("other-model", "1.0")
    report = file_report(reporter=world.member, version=other, title="Elsewhere")
    replay = replay_start(actor=world.member, model_version=other, reports=[report])

    for kind, ref_id in [("replay", replay.pk), ("drift_report", _drift(other).pk), ("report", report.pk)]:
        with pytest.raises(InvalidInput) as refused:
            incident_evidence_add(kind=kind, ref_id=ref_id, **world.add)
        assert refused.value.errors == {"ref_id": ["Not found on this incident."]}


def test_an_attachment_of_a_report_the_reader_may_not_open_shows_only_the_report_s_number(world):
    stranger_report = file_report(reporter=UserFactory(username="case-worker"), version=world.version, index=1,
                                  title="Jane Roe's loan")
    attachment = report_attachment_add(report=stranger_report, upload=upload(b"Jane Roe, 12 Elm Street\n",
                                                                             "jane.txt", "text/plain"),
                                       actor=world.member)
    incident_evidence_add(kind="attachment", ref_id=attachment.pk, **world.add)

    [row] = incident_evidence_list(user=world.reporter, incident_id=world.incident.pk)

    assert row.withheld and row.url == "" and "jane" not in row.title.lower()
    assert row.title == f"An attachment of report #{stranger_report.pk} (only the owning team and its reporter see it)"


@pytest.fixture
def nobody_answers():
    """The apps above incidents not loaded (or their receivers gone): nobody answers."""
    evidence_target_requested.disconnect(dispatch_uid="reports.evidence_target_of_report")
    evidence_target_requested.disconnect(dispatch_uid="forensics.evidence_target_of_drift_report")
    evidence_reports_requested.disconnect(dispatch_uid="reports.evidence_reports_readable")
    yield
    evidence_target_requested.connect(evidence_target_of_report, dispatch_uid="reports.evidence_target_of_report")
    evidence_target_requested.connect(evidence_target_of_drift_report,
                                      dispatch_uid="forensics.evidence_target_of_drift_report")
    evidence_reports_requested.connect(evidence_reports_readable, dispatch_uid="reports.evidence_reports_readable")


def test_with_nobody_to_answer_evidence_is_refused_and_what_was_cited_is_withheld(world, request):
    # Attached while the reports app answers; attached and read again once nobody does.
    incident_evidence_add(kind="report", ref_id=world.report.pk, **world.add)
    drift = _drift(world.version)
    request.getfixturevalue("nobody_answers")

    with pytest.raises(InvalidInput):
        incident_evidence_add(kind="drift_report", ref_id=drift.pk, **world.add)
    # The reporter reads their own report's evidence when the reports app says they may; not now.
    [row] = incident_evidence_list(user=world.reporter, incident_id=world.incident.pk)
    assert row.withheld and row.url == ""
