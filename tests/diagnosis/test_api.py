"""The diagnosis through the API and the services around it: queued after intake, the shape
of the contract, who may read and recompute it, what stays the team's, the compare-and-set
claim, and the incident's view over its reports."""

from __future__ import annotations

import pytest

from apps.diagnosis.models import Diagnosis, DiagnosisStatus
from apps.diagnosis.services import diagnosis_compute, diagnosis_request
from apps.predictions.services import predictions_log
from tests.accounts.factories import TeamFactory, UserFactory, member_of, token_client
from tests.diagnosis.factories import file, predict, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory()


@pytest.fixture
def member(team):
    return member_of(team)


@pytest.fixture
def wine(trained, team):
    return register(trained["wine"], team=team)


def unit_changed(trained) -> tuple[dict, str, str]:
    """A held-out class_1 wine with proline in µg/L: (features, what 1.0 answers, class_1)."""
    dataset = trained["wine"]
    rows = [dataset.row(i) for i in range(len(dataset.test_x))]
    broken = [row | {"proline": row["proline"] * 1000} for row in rows]
    answers, right = predict(dataset, "1.0", broken), predict(dataset, "1.0", rows)
    position = next(i for i in range(len(rows)) if dataset.test_y[i] == "class_1" == right[i] != answers[i])
    return broken[position], answers[position], "class_1"


def test_filing_a_report_queues_its_diagnosis_after_commit_and_the_api_shows_it(trained, wine, member,
                                                                              run_on_commit):
    features, answer, expected = unit_changed(trained)
    client = token_client(member)
    with run_on_commit():
        response = client.post("/api/v1/reports/", {
            "model": wine.model.name, "model_version": wine.version, "features": features, "output": answer,
            "title": "Every wine is the same cultivar", "expected": f"{expected} like the bottle says"},
            format="json")
    assert response.status_code == 201, response.content

    body = client.get(f"/api/v1/reports/{response.json()['id']}/diagnosis/").json()

    assert body["status"] == "done"
    assert body["summary"].startswith("Most likely `proline` was logged in another unit")
    top = body["hypotheses"][0]
    assert set(top) >= {"kind", "confidence", "summary", "feature", "checks", "counterfactual"}
    assert (top["kind"], top["feature"]) == ("input_unit_change", "proline")
    assert top["counterfactual"]["output"] == "class_1" and top["counterfactual"]["matches_expected"] is True
    assert all(set(check) >= {"check", "result", "supports"} for h in body["hypotheses"] for check in h["checks"])
    confidences = [h["confidence"] for h in body["hypotheses"]]
    assert confidences == sorted(confidences, reverse=True) and all(0 <= c <= 1 for c in confidences)


def test_a_report_without_a_diagnosis_row_reads_as_pending(trained, wine, member):
    report = file(wine, reporter=member, features=trained["wine"].row(0), output="class_0")
    Diagnosis.objects.filter(report=report).delete()
    body = token_client(member).get(f"/api/v1/reports/{report.pk}/diagnosis/").json()
    assert (body["status"], body["hypotheses"]) == ("pending", [])


def test_recomputing_is_team_work_and_the_reporter_sees_the_diagnosis_without_the_teams_data(
        trained, wine, member, run_on_commit):
    reporter = UserFactory()
    features, answer, _ = unit_changed(trained)
    predictions_log(rows=[{"prediction_id": f"p{i}", "model": wine.model.name, "model_version": wine.version,
                           "features": features, "output": answer} for i in range(3)])
    report = file(wine, reporter=reporter, features=features, output=answer, expected="class_1")

    assert token_client(reporter).post(f"/api/v1/reports/{report.pk}/diagnosis/").status_code == 403
    with run_on_commit():
        queued = token_client(member).post(f"/api/v1/reports/{report.pk}/diagnosis/")
    assert queued.status_code == 202 and queued.json()["status"] == "pending"
    assert Diagnosis.objects.get(report=report).status == DiagnosisStatus.DONE

    team_view = token_client(member).get(f"/api/v1/reports/{report.pk}/diagnosis/").json()
    reporter_view = token_client(reporter).get(f"/api/v1/reports/{report.pk}/diagnosis/").json()
    assert team_view["hypotheses"][0]["kind"] == reporter_view["hypotheses"][0]["kind"] == "input_unit_change"
    team_checks = {c["check"]: c["result"] for h in team_view["hypotheses"] for c in h["checks"]}
    reporter_checks = {c["check"]: c["result"] for h in reporter_view["hypotheses"] for c in h["checks"]}
    assert "first logged prediction" in str(team_view)  # the change point read the log…
    assert "first logged prediction" not in str(reporter_view)  # …which is the team's
    assert {k for k, v in reporter_checks.items() if v != "Shown to the model's team only."} <= set(team_checks)
    assert token_client(UserFactory()).get(f"/api/v1/reports/{report.pk}/diagnosis/").status_code == 404


def test_a_report_on_logged_inputs_withholds_its_diagnosis_from_a_reporter_outside_the_team(trained, wine,
                                                                                           run_on_commit):
    features, answer, _ = unit_changed(trained)
    secret = features | {"alcohol": 13.579}
    predictions_log(rows=[{"prediction_id": "logged-1", "model": wine.model.name, "model_version": wine.version,
                           "features": secret, "output": answer}])
    reporter = UserFactory()
    with run_on_commit():
        created = token_client(reporter).post("/api/v1/reports/", {
            "model": wine.model.name, "prediction_id": "logged-1", "title": "Odd"}, format="json")
    body = token_client(reporter).get(f"/api/v1/reports/{created.json()['id']}/diagnosis/").json()
    assert body["hypotheses"] == [] and "only the model's team reads" in body["summary"]
    assert "13.579" not in str(body) and "proline" not in str(body)


def test_computing_twice_does_the_work_once_and_a_request_while_running_discards_the_stale_run(trained, wine,
                                                                                              member):
    report = file(wine, reporter=member, features=trained["wine"].row(0), output="class_0")
    diagnosis_request(report=report, actor=member)
    assert diagnosis_compute(report_id=report.pk).status == DiagnosisStatus.DONE
    first = Diagnosis.objects.get(report=report).computed_at
    assert diagnosis_compute(report_id=report.pk).computed_at == first  # not pending: nothing to do

    diagnosis_request(report=report, actor=member)
    Diagnosis.objects.filter(report=report).update(status=DiagnosisStatus.RUNNING, attempts=7)
    diagnosis_request(report=report, actor=member)  # inputs changed meanwhile: queued again
    assert Diagnosis.objects.get(report=report).status == DiagnosisStatus.PENDING
    assert diagnosis_compute(report_id=report.pk).attempts == 8


def test_the_incident_counts_the_reports_supporting_each_kind(trained, wine, member):
    features, answer, _ = unit_changed(trained)
    reports = [file(wine, reporter=member, features=features | {"alcohol": features["alcohol"] + step / 100},
                    output=answer, title="Same cultivar everywhere") for step in range(2)]
    for report in reports:
        diagnosis_request(report=report, actor=member)
        diagnosis_compute(report_id=report.pk)
    incident_id = reports[0].incident_id
    assert reports[1].incident_id == incident_id

    body = token_client(member).get(f"/api/v1/incidents/{incident_id}/diagnosis/").json()

    assert body["status"] == "done" and body["reports"] == 2
    assert (body["hypotheses"][0]["kind"], body["hypotheses"][0]["reports"]) == ("input_unit_change", 2)
    assert body["summary"] == "2 of 2 reports point at unit change on the input path (`proline`)."
    outsider = token_client(UserFactory()).get(f"/api/v1/incidents/{incident_id}/diagnosis/").json()
    assert (outsider["reports"], outsider["hypotheses"]) == (0, [])


def test_the_sweep_sends_a_diagnosis_lost_on_the_way_again(trained, wine, member, run_on_commit):
    from datetime import timedelta

    from django.utils import timezone

    from apps.diagnosis.services import diagnoses_sweep

    report = file(wine, reporter=member, features=trained["wine"].row(0), output="class_0")
    Diagnosis.objects.update_or_create(report=report, defaults={
        "status": DiagnosisStatus.PENDING, "requested_at": timezone.now() - timedelta(hours=1)})
    assert diagnoses_sweep() == 1  # eager in tests: sent, and run
    assert Diagnosis.objects.get(report=report).status == DiagnosisStatus.DONE
    assert diagnoses_sweep() == 0
