import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    "/api/v1/drift/?model=%00",  # was a 500 on PostgreSQL, found by Schemathesis
    "/api/v1/predictions/?model=wine&context.request_id=a%00b",
    "/api/v1/models/a%00b/versions/",
    "/api/v1/reports/?x%00=1",
])
def test_a_nul_character_in_the_url_is_a_400_problem(api_client, url):
    response = api_client.get(url)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "NUL" in response.json()["detail"]


def test_pages_refuse_it_too(client, user):
    client.force_login(user)
    assert client.get("/reports/?q=%00").status_code == 400
    assert client.get("/reports/").status_code == 200
