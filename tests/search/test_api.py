"""GET /api/v1/search/?q=… (contract): the shape, the scope, paging, and a problem for bad input."""

from __future__ import annotations

import pytest

from tests.accounts.factories import token_client
from tests.search.factories import search_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return search_world()


def test_results_have_the_contract_shape(world):
    response = token_client(world.member).get("/api/v1/search/", {"q": "milliseconds"})

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    first = body["results"][0]
    assert set(first) == {"type", "id", "title", "url", "snippet", "score"}
    assert (first["type"], first["id"]) == ("postmortem", world.postmortem.pk)
    assert first["url"] == f"/incidents/{world.incident.pk}/postmortem/"
    assert first["title"] == f"Post-mortem: {world.incident.title}"
    assert "<mark>milliseconds</mark>" in first["snippet"]
    assert isinstance(first["score"], float) and first["score"] > 0
    assert {result["type"] for result in body["results"]} == {"postmortem", "report", "incident"}
    assert body["facets"]["type"][0] == {"value": "report", "label": "Report", "count": 2}


def test_the_api_is_scoped_like_the_pages(world):
    body = token_client(world.outsider).get("/api/v1/search/", {"q": "milliseconds"}).json()

    assert {(result["type"], result["id"]) for result in body["results"]} == {
        ("postmortem", world.postmortem.pk), ("report", world.foreign.pk), ("incident", world.foreign.incident_id)}
    assert body["count"] == 3
    assert {option["value"] for option in body["facets"]["model"]} == {"fraud-score", "ranker"}


def test_facets_narrow_the_results(world):
    body = token_client(world.member).get("/api/v1/search/", {"q": "milliseconds", "type": "report"}).json()
    assert body["count"] == 2
    assert {result["type"] for result in body["results"]} == {"report"}


def test_results_are_paged(world):
    client = token_client(world.admin)
    first = client.get("/api/v1/search/", {"q": "milliseconds", "type": "report"}).json()
    assert first["count"] == 3 and first["next"] is None and first["previous"] is None
    missing = client.get("/api/v1/search/", {"q": "milliseconds", "page": 2})
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("query", [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 201}, {"q": "odd", "type": "ticket"},
                                   {"q": "odd", "page": "two"}, {"q": "odd", "page": "2253493098888261376"}])
def test_bad_queries_get_a_problem_that_names_the_field(world, query):
    response = token_client(world.member).get("/api/v1/search/", query)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) <= {"q", "type", "page"}


def test_the_search_is_in_the_openapi_schema(client, world):
    client.force_login(world.member)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/search/"]["get"]
    assert {parameter["name"] for parameter in operation["parameters"]} >= {"q", "type", "page"}
