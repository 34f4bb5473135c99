import pytest

from tests.registry.factories import trained_version

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("query", ["page=", "page=abc", "page=1.0", "page=-1", "page=1&page=2"])
def test_a_malformed_page_is_a_400_naming_the_parameter(api_client, query):
    # DRF read an empty or repeated `page` as page 1: a paging loop with a bug never noticed.
    response = api_client.get(f"/api/v1/models/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert list(response.json()["errors"]) == ["page"]


def test_a_page_past_the_end_is_a_404_and_a_real_page_reads(api_client):
    trained_version()
    assert api_client.get("/api/v1/models/?page=1").json()["count"] == 1
    assert api_client.get("/api/v1/models/?page=last").status_code == 200
    assert api_client.get("/api/v1/models/?page=2").status_code == 404
    assert api_client.get("/api/v1/models/?page=0").status_code == 404
