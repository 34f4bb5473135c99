import pytest

from tests.registry.factories import trained_version

pytestmark = pytest.mark.django_db


def test_models_and_versions_are_listed(api_client):
    trained_version(version="1.0")
    trained_version(version="1.1")

    models = api_client.get("/api/v1/models/").json()
    assert [m["name"] for m in models["results"]] == ["iris"]
    assert models["results"][0]["version_count"] == 2

    versions = api_client.get("/api/v1/models/iris/versions/").json()["results"]
    assert {v["version"] for v in versions} == {"1.0", "1.1"}
    assert versions[0]["sha256"] and versions[0]["has_reference"] is True


def test_unknown_model_is_a_404_problem(api_client):
    response = api_client.get("/api/v1/models/nope/versions/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "nope" in response.json()["detail"]
