import json

import pytest

from apps.reports.models import Report
from tests.registry.factories import iris_row, trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def version():
    return trained_version()


def _post(client, body, **extra):
    return client.post("/api/v1/reports/", data=json.dumps(body) if not isinstance(body, (bytes, str)) else body,
                       content_type=extra.pop("content_type", "application/json"), **extra)


def test_filing_a_report_returns_id_incident_and_page_url(api_client, version):
    response = _post(api_client, {"model": "iris", "model_version": "1.0", "features": iris_row(0),
                                  "output": "setosa", "title": "Odd", "expected": "virginica",
                                  "context": {"surface": "homepage"}})

    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get(pk=body["id"])
    assert body["incident"] == report.incident_id
    assert body["url"] == f"http://testserver/reports/{report.pk}/"
    assert body["channel"] == "api"
    assert body["reporter"] == api_client.user.username
    assert isinstance(body["input_checks"], list) and body["input_checks"]


def test_a_report_reads_back_with_input_checks_most_suspicious_first(api_client, user, version):
    features = iris_row(0) | {"petal_length": 1400.0}  # metres → millimetres, say
    report = file_report(reporter=user, version=version, features=features)

    body = api_client.get(f"/api/v1/reports/{report.pk}/").json()

    first = body["input_checks"][0]
    assert first["feature"] == "petal_length"
    assert "above_max" in first["flags"] and "scale_shift" in first["flags"]
    assert first["score"] >= body["input_checks"][1]["score"]
    assert set(first) >= {"feature", "value", "flags", "reference", "score"}


@pytest.mark.parametrize("body, field", [
    ({"model_version": "1.0", "features": {}, "title": "x"}, "model"),
    ({"model": "iris", "model_version": "1.0", "features": {}}, "title"),
    ({"model": "nope", "model_version": "1.0", "features": {}, "title": "x"}, "model"),
    ({"model": "iris", "model_version": "7", "features": {}, "title": "x"}, "model_version"),
    ({"model": "iris", "model_version": "1.0", "features": [1, 2], "title": "x"}, "features"),
    ({"model": "iris", "model_version": "1.0", "features": "a", "title": "x"}, "features"),
    ({"model": "iris", "model_version": "1.0", "features": {"sepal_length": "x"}, "title": "x"},
     "features.sepal_length"),
    ({"model": "iris", "model_version": "1.0", "features": {}, "title": "x", "severity": "apocalyptic"},
     "severity"),
])
def test_bad_reports_get_a_problem_naming_the_field(api_client, version, body, field):
    response = _post(api_client, body)

    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == PROBLEM
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    assert problem["status"] == response.status_code
    assert field in problem.get("errors", {}), problem
    assert Report.objects.count() == 0


@pytest.mark.parametrize("raw, content_type", [
    (b'{"model": "iris",', "application/json"),
    (b"\xff\xfe", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b'{"a": NaN}', "application/json"),
    (b"model=iris", "application/x-www-form-urlencoded"),
    (("[" * 5000) + ("]" * 5000), "application/json"),
    (b'{"model": "iris", "model_version": "1.0", "features": {}, "title": "a\\u0000b"}', "application/json"),
    (b'{"model": "iris", "model_version": "1.0", "features": {}, "title": "x", "output": 1e400}',
     "application/json"),
])
def test_malformed_bodies_are_4xx_problems(api_client, version, raw, content_type):
    response = _post(api_client, raw, content_type=content_type)
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"] == PROBLEM


def test_an_oversized_body_is_refused_with_413(api_client, version, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = {"model": "iris", "model_version": "1.0", "features": iris_row(0), "title": "x",
            "description": "y" * 20_000}
    response = _post(api_client, body)
    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert "too large" in response.json()["detail"] or "larger" in response.json()["detail"]


def test_html_in_text_fields_is_stored_as_text_and_escaped_on_the_page(api_client, client, user, version):
    payload = '<script>alert("x")</script>'
    response = _post(api_client, {"model": "iris", "model_version": "1.0", "features": iris_row(0),
                                  "title": payload, "description": payload})
    assert response.status_code == 201
    client.force_login(user)
    page = client.get(f"/reports/{response.json()['id']}/").content.decode()
    assert payload not in page
    assert "&lt;script&gt;" in page


def test_unauthenticated_requests_are_refused(anonymous_client, version):
    response = _post(anonymous_client, {"model": "iris"})
    assert response.status_code == 401
    assert anonymous_client.get("/api/v1/reports/").status_code == 401


def test_a_missing_report_is_a_404_problem(api_client):
    response = api_client.get("/api/v1/reports/999999/")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
