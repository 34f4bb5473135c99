"""The team links the logged prediction later; admins and triagers sort the Unsorted inbox."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.services import triager_set
from apps.audit.models import AuditEvent
from apps.forensics.models import ReportForensics
from apps.incidents.models import Incident, IncidentStatus
from apps.predictions.services import predictions_log
from apps.reports.models import Report
from tests.accounts.factories import TeamFactory, UserFactory, admin_user, member_of, token_client
from tests.registry.factories import iris_row, trained_version

pytestmark = pytest.mark.django_db

SEEN = timezone.now().replace(microsecond=0) - timedelta(hours=2)


@pytest.fixture
def team():
    return TeamFactory(slug="flowers")


@pytest.fixture
def version(team):
    version = trained_version("iris", team=team)
    rows = [{"prediction_id": f"noise-{n}", "timestamp": (SEEN - timedelta(minutes=30 + n)).isoformat(),
             "context": {"surface": "cellar-page", "request_id": f"r-{n}"}, "output": "versicolor"}
            for n in range(30)]
    rows += [
        {"prediction_id": "the-one", "timestamp": (SEEN + timedelta(minutes=2)).isoformat(),
         "context": {"surface": "cellar-page", "request_id": "req-42", "customer_id": "c-7"}, "output": "virginica"},
        {"prediction_id": "same-customer", "timestamp": (SEEN - timedelta(days=3)).isoformat(),
         "context": {"surface": "mens-homepage", "customer_id": "c-7"}, "output": "setosa"},
    ]
    predictions_log(rows=[{**row, "model": "iris", "model_version": "1.0", "features": iris_row(n)}
                          for n, row in enumerate(rows)])
    return version


@pytest.fixture
def reporter():
    return token_client(UserFactory(username="casey"))


@pytest.fixture
def member(team):
    return token_client(member_of(team, username="mo"))


def _file(client, **body):
    response = client.post("/api/v1/reports/", {"title": "It suggests a virginica on the cellar page", **body},
                           format="json")
    assert response.status_code == 201, response.content
    return response.json()


def _candidates(client, report_id):
    return client.get(f"/api/v1/reports/{report_id}/prediction-candidates/")


def _link(client, report_id, prediction_id):
    return client.post(f"/api/v1/reports/{report_id}/prediction/", {"prediction_id": prediction_id}, format="json")


def test_the_team_sees_ranked_candidates_each_with_why_it_matched(version, reporter, member):
    report = _file(reporter, model="iris", context={"surface": "cellar-page", "request_id": "req-42"},
                   seen_at=SEEN.isoformat())

    response = _candidates(member, report["id"])

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"]) == 20  # 32 logged, 31 near the time or on the surface: the best 20
    best = body["results"][0]
    assert best["prediction_id"] == "the-one"
    assert "same request id req-42" in best["why"]
    assert "logged 2 minutes after the time they saw it" in best["why"]
    assert "answered virginica, which the report mentions" in best["why"]
    assert [row["score"] for row in body["results"]] == sorted((row["score"] for row in body["results"]), reverse=True)


def test_a_customer_id_finds_that_customers_predictions_days_away(version, reporter, member):
    report = _file(reporter, model="iris", context={"customer_id": "c-7"})

    ids = [row["prediction_id"] for row in _candidates(member, report["id"]).json()["results"]]

    assert ids[:2] == ["the-one", "same-customer"] or ids[:2] == ["same-customer", "the-one"]


def test_linking_a_candidate_makes_the_inputs_logged_runs_forensics_and_is_audited(version, reporter, member):
    report = _file(reporter, model="iris", context={"surface": "cellar-page", "request_id": "req-42"})
    assert report["inputs"] == "missing"

    response = _link(member, report["id"], "the-one")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["inputs"] == "logged" and body["prediction_id"] == "the-one"
    assert body["features"] == iris_row(30) and body["output"] == "virginica"
    assert body["input_checks"]
    assert ReportForensics.objects.filter(report_id=report["id"]).exists()
    event = AuditEvent.objects.get(action="report.link_prediction")
    assert event.actor.username == "mo" and event.new["prediction_id"] == "the-one"
    assert event.old["inputs"] == "missing"
    # The reporter, outside the team, sees that it is linked but not the logged values.
    mine = reporter.get(f"/api/v1/reports/{report['id']}/").json()
    assert mine["inputs"] == "logged" and mine["features"] is None


def test_linking_regroups_a_report_with_the_incident_of_its_prediction(version, reporter, member):
    filed_by_id = _file(member, model="iris", prediction_id="the-one")
    waiting = _file(reporter, model="iris", context={"surface": "cellar-page"})
    assert waiting["incident"] != filed_by_id["incident"]

    linked = _link(member, waiting["id"], "the-one").json()

    assert linked["incident"] == filed_by_id["incident"]
    left = Incident.objects.get(pk=waiting["incident"])
    assert left.status == IncidentStatus.DUPLICATE and left.merged_into_id == filed_by_id["incident"]


def test_a_report_alone_in_its_incident_keeps_it_when_no_other_has_its_new_fingerprint(version, reporter, member):
    waiting = _file(reporter, model="iris", context={"surface": "cellar-page"})

    linked = _link(member, waiting["id"], "the-one").json()

    assert linked["incident"] == waiting["incident"]
    assert Incident.objects.get(pk=linked["incident"]).fingerprint == Report.objects.get(pk=waiting["id"]).fingerprint


def test_a_prediction_of_another_model_is_a_conflict_naming_both(version, reporter, member, team):
    trained_version("wine", team=team)
    predictions_log(rows=[{"prediction_id": "w-1", "model": "wine", "model_version": "1.0",
                           "features": iris_row(0), "output": "x"}])
    report = _file(reporter, model="iris")

    response = _link(member, report["id"], "w-1")

    assert response.status_code == 409
    assert "wine" in response.json()["detail"] and "iris" in response.json()["detail"]
    assert Report.objects.get(pk=report["id"]).inputs == "missing"


def test_bad_links_say_what_to_fix_and_change_nothing(version, reporter, member):
    report = _file(reporter, model="iris")

    assert _link(member, report["id"], "nope").status_code == 400
    assert member.post(f"/api/v1/reports/{report['id']}/prediction/", {}, format="json").status_code == 400
    assert _link(member, report["id"], "the-one").status_code == 200
    again = _link(member, report["id"], "noise-1")
    assert again.status_code == 409 and "already has its inputs" in again.json()["detail"]
    assert Report.objects.get(pk=report["id"]).prediction_id == "the-one"


def test_only_the_team_searches_and_links(version, reporter, member):
    report = _file(reporter, model="iris")
    stranger = token_client(UserFactory())

    assert _candidates(reporter, report["id"]).status_code == 403
    assert _link(reporter, report["id"], "the-one").status_code == 403
    assert _candidates(stranger, report["id"]).status_code == 404
    assert _link(stranger, report["id"], "the-one").status_code == 404


def test_a_candidate_search_on_a_model_with_no_log_says_so(reporter, team):
    trained_version("quiet", team=team)
    member = token_client(member_of(team))
    report = _file(reporter, model="quiet")

    response = _candidates(member, report["id"])

    assert response.status_code == 200
    body = response.json()
    assert body["results"] == [] and body["count"] == 0
    assert "quiet has logged no predictions yet" in body["message"]


def test_a_triager_sorts_an_unsorted_report_into_the_models_team(version, reporter, member):
    report = _file(reporter)
    triager = UserFactory(username="tri")
    triager_set(user=triager, enabled=True, actor=admin_user())
    assert _candidates(token_client(admin_user()), report["id"]).status_code == 409

    assert member.patch(f"/api/v1/reports/{report['id']}/", {"model": "iris"}, format="json").status_code == 404
    assert reporter.patch(f"/api/v1/reports/{report['id']}/", {"model": "iris"}, format="json").status_code == 403
    response = token_client(triager).patch(f"/api/v1/reports/{report['id']}/", {"model": "iris"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["model"] == "iris" and body["model_version"] == "1.0" and body["incident"] is not None
    assert member.get(f"/api/v1/reports/{report['id']}/").status_code == 200
    assert AuditEvent.objects.get(action="report.assign_model").actor == triager
    # Sorted, it is the team's: the triager no longer sees it, an admin is told it has its model.
    assert token_client(triager).get(f"/api/v1/reports/{report['id']}/").status_code == 404
    again = token_client(admin_user()).patch(f"/api/v1/reports/{report['id']}/", {"model": "iris"}, format="json")
    assert again.status_code == 409
    unknown = token_client(admin_user()).patch(f"/api/v1/reports/{_file(reporter)['id']}/", {"model": "nope"},
                                              format="json")
    assert unknown.status_code == 404
