import json

import pytest

from apps.predictions.models import Prediction
from tests.registry.factories import iris_row, trained_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return trained_version()


def _row(i, **overrides):
    return {"prediction_id": f"p-{i}", "model": "iris", "model_version": "1.0", "features": iris_row(i),
            "output": "setosa", "timestamp": "2026-11-20T10:00:00Z", "context": {"surface": "shop"}} | overrides


def test_bulk_log_is_idempotent_on_prediction_id(api_client, version):
    rows = [_row(i) for i in range(5)]
    first = api_client.post("/api/v1/predictions/", rows, format="json")
    again = api_client.post("/api/v1/predictions/", rows + [_row(5)], format="json")

    assert first.status_code == 201 and first.json()["created"] == 5 and first.json()["duplicates"] == 0
    assert again.json()["created"] == 1 and again.json()["duplicates"] == 5
    assert Prediction.objects.count() == 6


def test_ndjson_is_accepted(api_client, version):
    body = "\n".join(json.dumps(_row(i)) for i in range(3)) + "\n"
    response = api_client.post("/api/v1/predictions/", body, content_type="application/x-ndjson")
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 3


def test_invalid_rows_are_reported_by_index_and_the_valid_ones_kept(api_client, version):
    rows = [_row(0), _row(1, features=[1]), _row(2, model_version="9"), _row(3, timestamp="yesterday"), _row(4)]
    response = api_client.post("/api/v1/predictions/", rows, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["created"] == 2
    assert {e["index"]: sorted(e["errors"]) for e in body["errors"]} == {
        1: ["features"], 2: ["model_version"], 3: ["timestamp"]}
    assert set(Prediction.objects.values_list("prediction_id", flat=True)) == {"p-0", "p-4"}


@pytest.mark.parametrize("body", [[], {"prediction_id": "x"}, [1, 2], "text"])
def test_a_body_with_nothing_storable_is_a_400(api_client, version, body):
    response = api_client.post("/api/v1/predictions/", body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert Prediction.objects.count() == 0


def test_a_bad_ndjson_line_is_named(api_client, version):
    body = json.dumps(_row(0)) + "\n{oops\n"
    response = api_client.post("/api/v1/predictions/", body, content_type="application/x-ndjson")
    assert response.status_code == 400
    assert "Line 2" in response.json()["detail"]


@pytest.mark.parametrize("model", [{}, ["iris"], 7])
def test_a_model_that_is_not_a_name_is_reported_for_its_row_not_a_500(api_client, version, model):
    response = api_client.post("/api/v1/predictions/", [_row(0), _row(1, model=model)], format="json")

    assert response.status_code == 201, response.content
    assert response.json()["created"] == 1
    assert response.json()["errors"] == [{"index": 1, "prediction_id": "p-1", "errors": {
        "model_version": ["Both 'model' and 'model_version' are required."]}}]


def test_timestamps_are_stored_in_utc_whatever_their_offset(api_client, version):
    # +21:48 is a valid ISO 8601 offset that PostgreSQL cannot store (it was a 500 there); a
    # timestamp without an offset is read as UTC (it was a 500 everywhere: timezone.utc is gone).
    rows = [_row(0, timestamp="2026-11-20T10:00:00+21:48"), _row(1, timestamp="9999-12-31T23:00:00-05:00"),
            _row(2, timestamp="2026-11-20T10:00:00")]
    response = api_client.post("/api/v1/predictions/", rows, format="json")

    assert response.status_code == 201, response.content
    assert [e["errors"] for e in response.json()["errors"]] == [
        {"timestamp": ["Use an ISO 8601 date-time, e.g. 2026-11-23T10:00:00Z."]}]
    stored = dict(Prediction.objects.values_list("prediction_id", "timestamp"))
    assert {pid: ts.isoformat() for pid, ts in stored.items()} == {
        "p-0": "2026-11-19T12:12:00+00:00", "p-2": "2026-11-20T10:00:00+00:00"}
