import pytest
from django.db import connection


def test_healthz_answers_without_authentication(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_ok_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_down(client):
    from mlincidents.celery import app

    previous = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    try:
        response = client.get("/readyz")
    finally:
        app.conf.update(previous)
    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]


@pytest.mark.django_db
def test_readyz_names_the_database_when_it_is_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise connection.Database.OperationalError("gone")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/readyz")
    assert response.status_code == 503 and "database" in response.json()["down"]


@pytest.mark.django_db
def test_the_openapi_schema_documents_the_contract_paths(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ["/api/v1/models/", "/api/v1/models/{name}/versions/", "/api/v1/predictions/",
                 "/api/v1/reports/", "/api/v1/reports/{id}/", "/api/v1/reports/{id}/replays/",
                 "/api/v1/replays/", "/api/v1/replays/{id}/", "/api/v1/incidents/{id}/",
                 "/api/v1/incidents/{id}/transition/"]:
        assert path in paths, path


@pytest.mark.django_db
def test_the_interactive_docs_page_is_served(client):
    assert client.get("/api/docs/").status_code == 200


@pytest.mark.django_db
def test_unknown_api_paths_are_problem_json(api_client):
    response = api_client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yml"))
    assert "tokenAuth" in (tmp_path / "schema.yml").read_text()


@pytest.mark.django_db
def test_the_schema_documents_the_problem_responses(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    problem = {"$ref": "#/components/schemas/Problem"}

    def documented(path, method):
        responses = paths[path][method]["responses"]
        return {code: response.get("content", {}).get("application/problem+json", {}).get("schema")
                for code, response in responses.items() if code >= "400"}

    create = documented("/api/v1/reports/", "post")
    assert {code: create[code] for code in ("400", "401", "403", "404", "413", "415", "422")} == dict.fromkeys(
        ("400", "401", "403", "404", "413", "415", "422"), problem)
    assert documented("/api/v1/incidents/{id}/transition/", "post")["409"] == problem
    listing = documented("/api/v1/reports/", "get")
    assert listing["400"] == listing["404"] == problem  # a malformed page, a page past the end
    # gunicorn answers an over-long URL itself, in HTML: documented without a body.
    assert "414" in listing and listing["414"] is None
    # The intake throttles count writes: a 429 on the POST, none on the read.
    assert create["429"] == problem and "429" not in listing
    feedback = documented("/api/v1/feedback/", "post")
    assert feedback["404"] == feedback["422"] == problem
    search = documented("/api/v1/predictions/", "get")
    assert search["400"] == search["404"] == problem
    page = paths["/api/v1/predictions/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert page == {"$ref": "#/components/schemas/PaginatedPredictionList"}
    assert documented("/api/v1/drift/", "post")["404"] == problem
    # Errors a view documents by their description alone are still problem+json.
    merge = documented("/api/v1/incidents/{id}/merge/", "post")
    assert merge["403"] == merge["404"] == merge["409"] == problem
