"""A report needs only what the person saw: every mix of model, prediction id and features is
either filed — saying where its inputs came from — or refused with what to fix, nothing stored."""

import pytest

from apps.accounts.services import triager_set
from apps.incidents.models import Incident
from apps.predictions.services import predictions_log
from apps.registry.models import Surface
from apps.reports.models import Report
from tests.accounts.factories import TeamFactory, UserFactory, admin_user, member_of, token_client
from tests.registry.factories import iris_row, trained_version

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def team():
    return TeamFactory(slug="flowers")


@pytest.fixture
def versions(team):
    """iris 1.0 (which logged p-1) and 1.1, the newest; the team owns iris."""
    old = trained_version("iris", "1.0", team=team)
    predictions_log(rows=[{"prediction_id": "p-1", "model": "iris", "model_version": "1.0", "features": iris_row(3),
                           "output": "setosa", "context": {"surface": "cellar-page", "request_id": "req-1"}}])
    return old, trained_version("iris", "1.1")


@pytest.fixture
def reporter():
    return token_client(UserFactory(username="casey"))


def _post(client, body):
    return client.post("/api/v1/reports/", body, format="json")


# (model, prediction_id, features) given or not → inputs, version, whether it is unsorted
COMBINATIONS = [
    (True, True, True, "given", "1.0", False),
    (True, True, False, "logged", "1.0", False),
    (True, False, True, "given", "1.1", False),
    (True, False, False, "missing", "1.1", False),
    (False, True, True, "given", "1.0", False),
    (False, True, False, "logged", "1.0", False),
    (False, False, False, "missing", None, True),
]


@pytest.mark.parametrize("with_model, with_id, with_features, inputs, version, unsorted", COMBINATIONS)
def test_every_mix_of_model_id_and_features_is_filed_saying_where_its_inputs_came_from(
        versions, reporter, with_model, with_id, with_features, inputs, version, unsorted):
    typed = iris_row(7)
    body = {"title": "The cellar page suggests a handbag"}
    if with_model:
        body["model"] = "iris"
    if with_id:
        body["prediction_id"] = "p-1"
    if with_features:
        body["features"] = typed

    response = _post(reporter, body)

    assert response.status_code == 201, response.content
    report = response.json()
    assert report["inputs"] == inputs
    assert report["model_version"] == version
    assert report["model"] == (None if unsorted else "iris")
    assert (report["incident"] is None) == unsorted
    assert report["prediction_id"] == ("p-1" if with_id else "")
    stored = Report.objects.get(pk=report["id"])
    assert stored.inputs == inputs
    if inputs == "given":
        assert stored.features == typed
    elif inputs == "logged":
        assert stored.features == iris_row(3) and stored.output == "setosa"
    else:
        assert stored.features == {} and stored.output is None and report["input_checks"] == []


def test_features_without_a_model_are_refused_naming_the_model_and_nothing_is_stored(versions, reporter):
    response = _post(reporter, {"title": "odd", "features": iris_row(0)})

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    assert "model" in response.json()["errors"]
    assert Report.objects.count() == 0


def test_only_a_title_is_enough_and_the_report_waits_unsorted(reporter):
    response = _post(reporter, {"title": "The men's homepage shows a handbag in the last-seen box"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["inputs"] == "missing" and body["model"] is None and body["incident"] is None
    assert body["incident_status"] is None
    assert Incident.objects.count() == 0
    assert reporter.get(f"/api/v1/reports/{body['id']}/").status_code == 200


@pytest.mark.parametrize("title", ["", "   ", "\t\n "])
def test_a_title_of_nothing_or_only_spaces_is_refused_in_the_reporters_words(reporter, title):
    response = _post(reporter, {"title": title})

    assert response.status_code == 400
    assert response.json()["errors"]["title"] == ["Say in a few words what looked wrong."]
    assert Report.objects.count() == 0


def test_a_model_with_no_inputs_goes_to_the_models_team_and_groups_by_surface(versions, reporter, team):
    member = token_client(member_of(team))
    first = _post(reporter, {"model": "iris", "title": "a", "context": {"surface": "cellar-page"}}).json()
    second = _post(reporter, {"model": "iris", "title": "b", "context": {"surface": "Cellar-Page "}}).json()
    elsewhere = _post(reporter, {"model": "iris", "title": "c", "context": {"surface": "mens-homepage"}}).json()

    assert first["incident"] == second["incident"] != elsewhere["incident"]
    listed = {row["id"] for row in member.get("/api/v1/reports/").json()["results"]}
    assert {first["id"], second["id"], elsewhere["id"]} <= listed


def test_the_output_a_reporter_gives_groups_reports_without_inputs(versions, reporter):
    one = _post(reporter, {"model": "iris", "title": "a", "output": "virginica"}).json()
    same = _post(reporter, {"model": "iris", "title": "b", "output": "virginica"}).json()
    other = _post(reporter, {"model": "iris", "title": "c", "output": "setosa"}).json()

    assert one["incident"] == same["incident"] != other["incident"]


def test_the_surface_names_the_model_and_its_current_version(versions, reporter):
    old, _newest = versions
    Surface.objects.create(model=old.model, key="cellar-page", name="Cellar page", current_version=old)

    body = _post(reporter, {"title": "odd", "context": {"surface": "cellar-page"}}).json()

    assert body["model"] == "iris" and body["model_version"] == "1.0" and body["inputs"] == "missing"


def test_an_id_several_models_logged_asks_which_model(versions, reporter):
    trained_version("wine", "1.0")
    predictions_log(rows=[{"prediction_id": "p-1", "model": "wine", "model_version": "1.0",
                           "features": iris_row(0), "output": "x"}])

    response = _post(reporter, {"title": "odd", "prediction_id": "p-1"})

    assert response.status_code == 400
    assert "iris, wine" in response.json()["detail"] and "model" in response.json()["errors"]
    assert Report.objects.count() == 0


def test_an_unknown_id_without_a_model_says_it_can_be_left_out(versions, reporter):
    response = _post(reporter, {"title": "odd", "prediction_id": "nope"})

    assert response.status_code == 400
    assert "leave it out" in response.json()["detail"]
    assert "prediction_id" in response.json()["errors"]


def test_the_unsorted_inbox_is_seen_by_its_reporter_admins_and_triagers_only(versions, reporter, team):
    report = _post(reporter, {"title": "odd"}).json()
    triager = UserFactory(username="tri")
    triager_set(user=triager, enabled=True, actor=admin_user())

    def sees(client) -> bool:
        return client.get(f"/api/v1/reports/{report['id']}/").status_code == 200

    assert sees(reporter)
    assert sees(token_client(admin_user()))
    assert sees(token_client(triager))
    assert not sees(token_client(member_of(team)))
    assert not sees(token_client(UserFactory()))


def test_only_admins_name_triagers(versions):
    from apps.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        triager_set(user=UserFactory(), enabled=True, actor=UserFactory())
