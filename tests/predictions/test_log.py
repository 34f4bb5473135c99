import json
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from apps.predictions.models import Prediction
from apps.predictions.services import predictions_log
from tests.registry.factories import iris_row, trained_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return trained_version()


IRIS_ROWS = [iris_row(i) for i in range(150)]


def _row(i, **overrides):
    return {"prediction_id": f"p-{i}", "model": "iris", "model_version": "1.0", "features": IRIS_ROWS[i % 150],
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


def test_a_partly_resent_batch_counts_only_the_new_rows(api_client, version):
    api_client.post("/api/v1/predictions/", [_row(i) for i in range(0, 10)], format="json")

    response = api_client.post("/api/v1/predictions/", [_row(i) for i in range(5, 15)], format="json")

    assert response.json() == {"created": 5, "duplicates": 5, "errors": []}
    assert Prediction.objects.count() == 15


def test_a_prediction_id_repeated_inside_one_batch_is_stored_once_the_first_time(api_client, version):
    rows = [_row(1, output="first"), _row(2), _row(1, output="second"), _row(1, output="third")]

    response = api_client.post("/api/v1/predictions/", rows, format="json")

    assert response.json() == {"created": 2, "duplicates": 2, "errors": []}
    assert Prediction.objects.get(prediction_id="p-1").output == "first"


def test_the_same_prediction_id_under_two_models_is_two_predictions(api_client, version):
    trained_version("iris-b", "1.0")
    rows = [_row(1), _row(1, model="iris-b")]

    response = api_client.post("/api/v1/predictions/", rows, format="json")

    assert response.json()["created"] == 2
    assert Prediction.objects.filter(prediction_id="p-1").count() == 2


def test_bad_rows_do_not_stop_the_good_ones_and_each_says_what_is_wrong(api_client, version):
    rows = [
        _row(0),
        _row(1, output={"nested": "x" * 70_000}),
        _row(2, context=["not", "an", "object"]),
        _row(3, prediction_id=""),
        _row(4, features={"petal_length": 2**70}),
        _row(5, features={"n" * 201: 1.0}),
        {"prediction_id": "p-6", "model": "iris", "model_version": "1.0", "features": {}},
        _row(7),
    ]

    response = api_client.post("/api/v1/predictions/", rows, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["created"] == 2 and body["duplicates"] == 0
    assert {e["index"]: sorted(e["errors"]) for e in body["errors"]} == {
        1: ["output"], 2: ["context"], 3: ["prediction_id"], 4: ["features"], 5: ["features"], 6: ["output"]}
    assert set(Prediction.objects.values_list("prediction_id", flat=True)) == {"p-0", "p-7"}


def test_text_no_database_can_store_is_a_row_error_for_callers_of_the_service(version):
    # json.loads turns an unpaired "\ud83d" escape into a lone surrogate; UTF-8 cannot hold it.
    result = predictions_log(rows=[_row(0), _row(1, features={"name": "\ud83d"}),
                                   _row(2, context={"who": "\udc4b"})])

    assert result.created == 1
    assert [sorted(e["errors"]) for e in result.errors] == [["features"], ["context"]]
    assert "Unicode" in result.errors[0]["errors"]["features"][0]


def test_an_unpaired_surrogate_escape_in_the_body_is_a_400_not_a_500(api_client, version):
    body = json.dumps([_row(0, prediction_id="PLACEHOLDER")]).replace("PLACEHOLDER", "\\ud83d")
    response = api_client.post("/api/v1/predictions/", body, content_type="application/json")

    assert response.status_code == 400
    assert "surrogate" in response.json()["detail"]
    paired = json.dumps([_row(0, features={"wave": "👋"})])  # ensure_ascii: a valid surrogate pair
    assert api_client.post("/api/v1/predictions/", paired, content_type="application/json").status_code == 201


FANCY_FEATURES = {
    "city": "Zürich", "greeting": "こんにちは 👋", "quote": 'say "hi"\\n\ttab', "empty": "",
    "nested": {"list": [1, 2.5, None, True, {"deep": ["é", -0.0, 1e-300]}], "obj": {}},
    "big": 2**62, "tiny": 5e-324, "negative": -17, "flag": False, "none": None,
    "copy_specials": "back\\slash\nnew line\r\x7f and a tab\t",
}


def test_features_with_unicode_and_nested_values_come_back_exactly(api_client, version):
    response = api_client.post("/api/v1/predictions/", [_row(0, features=FANCY_FEATURES,
                                                              output={"scores": [0.1, 0.9], "label": "ü"},
                                                              context={"surface": "café", "n": [1, {"a": None}]})],
                               format="json")

    assert response.json()["created"] == 1, response.content
    stored = Prediction.objects.get(prediction_id="p-0")
    assert stored.features == FANCY_FEATURES
    assert stored.output == {"scores": [0.1, 0.9], "label": "ü"}
    assert stored.context == {"surface": "café", "n": [1, {"a": None}]}


def test_ndjson_rows_with_unicode_round_trip(api_client, version):
    body = json.dumps(_row(0, features=FANCY_FEATURES), ensure_ascii=False) + "\n"
    response = api_client.post("/api/v1/predictions/", body.encode(), content_type="application/x-ndjson")

    assert response.json()["created"] == 1
    assert Prediction.objects.get().features == FANCY_FEATURES


def test_a_null_output_and_a_missing_context_are_stored_as_such(api_client, version):
    row = _row(0, output=None)
    del row["context"]
    api_client.post("/api/v1/predictions/", [row], format="json")

    stored = Prediction.objects.get()
    assert stored.output is None and stored.context == {}


@pytest.mark.parametrize("sent, stored", [
    ("2026-11-20T10:00:00Z", datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
    ("2026-11-20T12:30:00+02:30", datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),
    ("2026-11-20T10:00:00.123456Z", datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=UTC)),
    ("2026-11-20 10:00:00", datetime(2026, 11, 20, 10, 0, tzinfo=UTC)),  # no zone: read as UTC
])
def test_timestamps_are_stored_as_the_instant_they_name(api_client, version, sent, stored):
    api_client.post("/api/v1/predictions/", [_row(0, timestamp=sent)], format="json")

    assert Prediction.objects.get().timestamp == stored


def test_a_row_without_a_timestamp_is_stamped_when_it_arrives(api_client, version):
    row = _row(0)
    del row["timestamp"]
    before = timezone.now()
    api_client.post("/api/v1/predictions/", [row], format="json")

    stored = Prediction.objects.get()
    assert before <= stored.timestamp <= timezone.now()
    assert stored.received_at == stored.timestamp


def test_a_batch_of_thousands_is_stored_in_one_request(api_client, version):
    rows = [_row(i) for i in range(3000)]

    response = api_client.post("/api/v1/predictions/", rows, format="json")

    assert response.json() == {"created": 3000, "duplicates": 0, "errors": []}
    assert Prediction.objects.count() == 3000


def test_a_sender_that_does_not_work_on_the_model_stores_nothing(version):
    from apps.core.errors import PermissionDenied
    from apps.registry.services import model_team_assign
    from tests.accounts.factories import TeamFactory, UserFactory

    model_team_assign(model=version.model, team=TeamFactory())
    with pytest.raises(PermissionDenied):
        predictions_log(rows=[_row(0)], actor=UserFactory())
    assert Prediction.objects.count() == 0
