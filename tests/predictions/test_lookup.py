"""Finding a logged prediction by what the reporter knows: an id, context fields, a time window."""

import pytest
from django.test import Client

from apps.reports.models import Report
from tests.accounts.factories import TeamFactory, UserFactory, member_of, token_client
from tests.predictions.factories import log_predictions, prediction_row
from tests.registry.factories import iris_row, trained_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory(slug="flowers")


@pytest.fixture
def logged(team):
    version = trained_version("iris", team=team)
    log_predictions(
        prediction_row(version, "p-1", index=0, at="2026-11-20T09:00:00Z", context={"request_id": "req-1", "user": 7}),
        prediction_row(version, "p-2", index=1, at="2026-11-20T10:00:00Z", context={"request_id": "req-2", "user": 7}),
        prediction_row(version, "p-3", index=2, at="2026-11-21T10:00:00Z", context={"request_id": "req-3", "user": 8}),
    )
    return version


@pytest.fixture
def member(team):
    return token_client(member_of(team))


def _file(client, lookup):
    return client.post("/api/v1/reports/", {"model": "iris", "title": "odd", "lookup": lookup}, format="json")


def test_a_report_finds_its_prediction_by_a_request_id_from_a_screenshot(logged, member):
    response = _file(member, {"context": {"request_id": "req-2"}})

    assert response.status_code == 201
    report = Report.objects.get()
    assert report.prediction_id == "p-2" and report.features == iris_row(1)


def test_a_user_and_a_time_window_narrow_it_down(logged, member):
    client = member

    several = _file(client, {"context": {"user": "7"}})
    one = _file(client, {"context": {"user": "7"}, "from": "2026-11-20T09:30:00Z", "to": "2026-11-20T11:00:00Z"})

    assert several.status_code == 400
    assert "p-1" in several.json()["detail"] and "p-2" in several.json()["detail"]
    assert several.json()["candidates"] == ["p-2", "p-1"]
    assert one.status_code == 201 and Report.objects.get().prediction_id == "p-2"


def test_nothing_matching_says_so(logged, member):
    response = _file(member, {"context": {"request_id": "req-404"}})

    assert response.status_code == 400
    assert "No logged prediction of 'iris' matches context request_id=req-404" in response.json()["detail"]


@pytest.mark.parametrize("lookup", [
    {}, {"context": {}}, {"context": {"a__contains": "x"}}, {"context": {"request_id": {"$ne": 1}}},
    {"context": {"request_id": "req-1"}, "from": "yesterday"},
    {"context": {"request_id": "req-1"}, "to": "2026-13-45T00:00:00Z"},
    "req-1",
])
def test_malformed_lookups_are_400s_that_say_what_to_fix(logged, member, lookup):
    response = _file(member, lookup)

    assert response.status_code == 400, response.content
    assert response.json()["errors"]
    assert Report.objects.count() == 0


def test_a_time_window_without_an_offset_is_read_as_utc(logged, team):
    # It was a 500: django.utils.timezone.utc is gone since Django 5.0 (as in the inference log).
    member = token_client(member_of(team))

    found = member.get("/api/v1/predictions/", {"model": "iris", "context.user": "7", "from": "2026-11-20T09:30:00"})

    assert found.status_code == 200, found.content
    assert [row["prediction_id"] for row in found.json()["results"]] == ["p-2"]


def test_the_team_searches_the_log_and_others_may_not(logged, team):
    member = token_client(member_of(team))

    found = member.get("/api/v1/predictions/", {"model": "iris", "context.user": "7"})
    by_id = member.get("/api/v1/predictions/", {"model": "iris", "prediction_id": "p-3"})
    outsider = token_client(UserFactory()).get("/api/v1/predictions/", {"model": "iris", "context.user": "7"})

    assert [row["prediction_id"] for row in found.json()["results"]] == ["p-2", "p-1"]
    assert by_id.json()["results"][0]["context"] == {"request_id": "req-3", "user": 8}
    assert outsider.status_code == 403
    assert member.get("/api/v1/predictions/").status_code == 400


def test_the_form_shows_the_team_what_was_logged_before_filing(logged, team):
    client = Client()
    client.force_login(member_of(team))

    found = client.get("/reports/new/prediction/", {"model_version": logged.pk, "prediction_id": "p-3"})
    missing = client.get("/reports/new/prediction/", {"model_version": logged.pk, "prediction_id": "nope"})
    nonsense = client.get("/reports/new/prediction/", {"model_version": "9" * 40, "prediction_id": "p-3"})

    assert found.status_code == 200 and "Found p-3" in found.content.decode()
    assert "sepal_length" in found.content.decode()
    assert missing.status_code == 404 and "No logged prediction" in missing.content.decode()
    assert nonsense.status_code == 400


@pytest.fixture
def odd_customers(logged):
    # Customer ids that read as non-finite numbers: matched as the text they are.
    log_predictions(*(prediction_row(logged, f"p-{name}", index=9, at="2026-11-22T10:00:00Z",
                                     context={"customer": name}) for name in ("nan", "Infinity", "1e400")))
    return logged


@pytest.mark.parametrize("typed", ["nan", "inf", "Infinity", "-Infinity", "1e400", "NaN"])
def test_non_finite_looking_context_values_are_matched_as_text_not_a_500(odd_customers, team, typed):
    # They were a 500 on PostgreSQL ("invalid input syntax for type json"): the lookup also
    # tried the value as a number, and NaN / Infinity are no JSON.
    member = token_client(member_of(team))

    searched = member.get("/api/v1/predictions/", {"model": "iris", "context.customer": typed})
    filed = _file(member, {"context": {"customer": typed}})

    expected = [f"p-{typed}"] if typed in ("nan", "Infinity", "1e400") else []
    assert searched.status_code == 200, searched.content
    assert [row["prediction_id"] for row in searched.json()["results"]] == expected
    if expected:
        assert filed.status_code == 201, filed.content
        assert Report.objects.get().prediction_id == expected[0]
    else:
        assert filed.status_code == 400 and "No logged prediction of 'iris' matches" in filed.json()["detail"]

