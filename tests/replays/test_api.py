import pytest
from django.test import Client

from apps.incidents.services import incident_update
from tests.accounts.factories import UserFactory, admin_user, token_client
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return trained_version()


def test_replaying_a_report_answers_202_and_the_run_reads_back(api_client, user, version, run_on_commit):
    report = file_report(reporter=user, version=version, output="setosa")

    with run_on_commit():
        accepted = api_client.post(f"/api/v1/reports/{report.pk}/replays/", {}, format="json")
    assert accepted.status_code == 202
    assert set(accepted.json()) == {"id", "status"}

    run = api_client.get(f"/api/v1/replays/{accepted.json()['id']}/").json()
    assert run["status"] == "succeeded"
    assert (run["total"], run["matched"], run["mismatched"], run["errors"]) == (1, 1, 0, 0)
    assert run["results"] == [{"report": report.pk, "output": "setosa", "matches_original": True,
                               "diff": None, "error": "", "nondeterministic": False, "expectation_met": None,
                               "verdict": ""}]
    assert (run["progress"], run["processed"], run["chunks_done"], run["chunks_total"]) == (1.0, 1, 1, 1)
    assert run["requested_by"] == user.username and run["suite"] is False


def test_a_report_can_be_replayed_on_another_version(api_client, user, version):
    trained_version(version="2.0")
    report = file_report(reporter=user, version=version)
    accepted = api_client.post(f"/api/v1/reports/{report.pk}/replays/", {"model_version": "2.0"}, format="json")
    run = api_client.get(f"/api/v1/replays/{accepted.json()['id']}/").json()
    assert run["model_version"] == "2.0" and run["kind"] == "verify"

    unknown = api_client.post(f"/api/v1/reports/{report.pk}/replays/", {"model_version": "8"}, format="json")
    assert unknown.status_code == 404 and "model_version" in unknown.json()["errors"]


def test_batch_replays_take_reports_or_an_incident(api_client, user, version):
    # A setosa and a virginica: different outputs, so two incidents.
    reports = [file_report(reporter=user, version=version, index=i) for i in (0, 100)]
    by_ids = api_client.post("/api/v1/replays/", {"model": "iris", "model_version": "1.0",
                                                   "reports": [r.pk for r in reports]}, format="json")
    assert by_ids.status_code == 202
    assert api_client.get(f"/api/v1/replays/{by_ids.json()['id']}/").json()["total"] == 2

    by_incident = api_client.post("/api/v1/replays/", {"model": "iris", "model_version": "1.0",
                                                       "incident": reports[0].incident_id}, format="json")
    assert api_client.get(f"/api/v1/replays/{by_incident.json()['id']}/").json()["total"] == 1


@pytest.mark.parametrize("body, status", [
    ({"model": "iris", "model_version": "1.0"}, 400),
    ({"model": "iris", "model_version": "1.0", "reports": [1], "incident": 1}, 400),
    ({"model": "iris", "model_version": "1.0", "reports": ["a"]}, 400),
    ({"model": "iris", "model_version": "1.0", "reports": [987654]}, 404),
    ({"model": "iris", "model_version": "1.0", "suite": "everything"}, 400),
    ({"model": "iris", "model_version": "1.0", "suite": "resolved"}, 400),  # no resolved cases yet
    # Past 64 bits no row can have the id; the database would overflow on the query (was a 500).
    ({"model": "iris", "model_version": "1.0", "reports": [2**63]}, 400),
    ({"model": "iris", "model_version": "1.0", "incident": 10**30}, 400),
])
def test_bad_batch_requests_are_explained(api_client, version, body, status):
    response = api_client.post("/api/v1/replays/", body, format="json")
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"


def test_unknown_replays_and_reports_are_404(api_client):
    assert api_client.get("/api/v1/replays/123456/").status_code == 404
    assert api_client.post("/api/v1/reports/123456/replays/", {}, format="json").status_code == 404


def test_a_replay_of_a_restricted_incidents_reports_is_read_only_by_who_may_see_them(version, run_on_commit):
    # A model no team owns: its replays are everyone's work, but a restricted incident's
    # reports are not everyone's to read, and neither are their replayed outputs.
    reporter, named, bystander = UserFactory(), UserFactory(), UserFactory()
    report = file_report(reporter=reporter, version=version, output="setosa", title="Customer 4411's invoice")
    incident_update(incident_id=report.incident_id, actor=admin_user(), restricted=True, restricted_to=[named])
    with run_on_commit():
        accepted = token_client(named).post(f"/api/v1/reports/{report.pk}/replays/", {}, format="json")
    assert accepted.status_code == 202
    replay = accepted.json()["id"]

    def reads(user) -> list[int]:
        client, page = token_client(user), Client()
        page.force_login(user)
        return [client.get(f"/api/v1/replays/{replay}/results/").status_code,
                client.get(f"/api/v1/replays/{replay}/").status_code, page.get(f"/replays/{replay}/").status_code]

    assert reads(bystander) == [404, 404, 404]
    assert reads(named) == [200, 200, 200]
    assert reads(reporter) == [200, 200, 200]  # every report it ran is theirs
    assert token_client(named).get(f"/api/v1/replays/{replay}/results/").json()["results"][0]["report"] == report.pk
