"""The `oip` backend against a test double that behaves like Seldon MLServer 1.7 (see
oip_server.py; test_oip_mlserver.py runs the same kinds of replays through the real server)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from apps.registry.backends.base import ArtifactError
from apps.registry.models import ModelVersion
from apps.registry.services import model_version_register
from apps.replays.models import ReplayStatus
from apps.replays.services import replay_start
from tests.registry.factories import iris_frame, iris_label
from tests.registry.oip_server import OipServer
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def oip_server():
    features, labels = iris_frame()
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(features, labels)
    with OipServer(model) as server:
        yield server


def _oip_version(endpoint: str, name: str = "iris-oip", **options):
    features, _ = iris_frame()
    return model_version_register(model_name=name, version="1", artifact_uri=endpoint, backend="oip",
                                  reference=features, **options)


def _replay(user, version, reports, run_on_commit):
    with run_on_commit():
        replay = replay_start(actor=user, model_version=version, reports=reports)
    replay.refresh_from_db()
    return replay


def _bad_row(user, version, **features):
    row = {"sepal_length": 5.0, "sepal_width": 1.0, "petal_length": 1.0, "petal_width": 1.0} | features
    return file_report(reporter=user, version=version, features=row, allow_schema_mismatch=True)


# --- Requests ----------------------------------------------------------------------------------

def test_an_oip_model_is_replayed_as_a_table_in_batches(user, oip_server, settings, run_on_commit):
    settings.OIP_BATCH_SIZE = 2
    version = _oip_version(f"{oip_server.endpoint}?output=label")
    reports = [file_report(reporter=user, version=version, index=i) for i in (0, 1, 100, 120, 140)]

    replay = _replay(user, version, reports, run_on_commit)

    assert replay.status == ReplayStatus.SUCCEEDED, replay.error_message
    assert (replay.matched, replay.mismatched, replay.errors) == (5, 0, 0)
    first = oip_server.requests[0]
    assert first["parameters"] == {"content_type": "pd"}  # without it MLServer reads one NumPy array
    assert first["outputs"] == [{"name": "label"}]  # ?output= is asked for, not only filtered
    assert {tensor["name"] for tensor in first["inputs"]} == {"sepal_length", "sepal_width", "petal_length",
                                                              "petal_width"}
    assert first["inputs"][0]["datatype"] == "FP64" and first["inputs"][0]["shape"] == [2, 1]
    assert [len(request["inputs"][0]["data"]) for request in oip_server.requests[:3]] == [2, 2, 1]


def test_each_tensor_has_the_datatype_of_its_schema_type(user, oip_server, run_on_commit):
    schema = {"features": [{"name": "sepal_length", "type": "number"}, {"name": "sepal_width", "type": "integer"},
                           {"name": "petal_length", "type": "boolean"}, {"name": "petal_width", "type": "string"}]}
    oip_server.metadata_inputs = []  # this server does not list its inputs
    version = model_version_register(model_name="typed", version="1", backend="oip", schema=schema,
                                     artifact_uri=f"{oip_server.base}/v2/models/iris/versions/1?output=label")
    file_report(reporter=user, version=version,
                features={"sepal_length": 5, "sepal_width": 3.0, "petal_length": True, "petal_width": "wide"})

    _replay(user, version, list(version.reports.all()), run_on_commit)

    tensors = {tensor["name"]: tensor for tensor in oip_server.requests[0]["inputs"]}
    assert {name: (t["datatype"], t["data"]) for name, t in tensors.items()} == {
        "sepal_length": ("FP64", [5.0]), "sepal_width": ("INT64", [3]), "petal_length": ("BOOL", [True]),
        "petal_width": ("BYTES", ["wide"])}
    assert tensors["petal_width"]["parameters"] == {"content_type": "str"}


def test_several_oip_outputs_become_one_dict_per_row(user, oip_server, run_on_commit):
    version = _oip_version(oip_server.endpoint)
    report = file_report(reporter=user, version=version, index=0)
    replay = _replay(user, version, [report], run_on_commit)
    output = replay.results.get().output
    assert output["label"] == iris_label(0) and 0.5 < output["score"] <= 1
    assert "outputs" not in oip_server.requests[0]  # no ?output=: the server's default outputs


# --- What answers mean ---------------------------------------------------------------------------

@pytest.mark.parametrize("status", [503, 502, 504, 429])
def test_unavailable_answers_are_retried_with_backoff(user, oip_server, run_on_commit, status):
    oip_server.fail_next, oip_server.fail_status = 2, status  # below OIP_MAX_ATTEMPTS (3)
    version = _oip_version(f"{oip_server.endpoint}?output=label")
    replay = _replay(user, version, [file_report(reporter=user, version=version)], run_on_commit)
    assert replay.status == ReplayStatus.SUCCEEDED and replay.matched == 1
    assert len(oip_server.requests) >= 3


@pytest.mark.parametrize("mode, message", [
    ("unavailable", "answered HTTP 503 (model not ready), 3 time(s) in a row"),
    # MLServer answers 500 for a worker that died too: the body tells it from a model error.
    ("worker_died", "answered HTTP 500 (Worker process stopped unexpectedly with exit code 9.), 3 time(s)"),
    ("garbage", "not JSON"),
    ("short", "of shape"),
])
def test_an_oip_server_that_cannot_answer_fails_the_run_clearly(user, oip_server, run_on_commit, mode, message):
    oip_server.mode = mode
    version = _oip_version(f"{oip_server.endpoint}?output=label")
    replay = _replay(user, version, [file_report(reporter=user, version=version, index=i) for i in (0, 1)],
                     run_on_commit)
    assert replay.status == ReplayStatus.FAILED
    assert message in replay.error_message
    assert replay.results.count() == 0


def test_an_oip_server_that_is_down_or_too_slow_fails_the_run(user, oip_server, run_on_commit, settings):
    settings.OIP_TIMEOUT_SECONDS = 0.2
    oip_server.mode, oip_server.delay = "slow", 1.0
    version = _oip_version(f"{oip_server.endpoint}?output=label")
    slow = _replay(user, version, [file_report(reporter=user, version=version)], run_on_commit)
    assert slow.status == ReplayStatus.FAILED and "could not be reached" in slow.error_message

    down = _oip_version("http://127.0.0.1:9/v2/models/iris/versions/1?output=label", name="iris-down",
                        check_server=False)
    replay = _replay(user, down, [file_report(reporter=user, version=down)], run_on_commit)
    assert replay.status == ReplayStatus.FAILED
    assert "could not be reached" in replay.error_message and "127.0.0.1:9" in replay.error_message


def test_an_endpoint_on_a_private_address_is_refused_unless_allowed_and_gets_nothing(user, oip_server,
                                                                                      run_on_commit, settings):
    version = _oip_version(f"{oip_server.endpoint}?output=label")
    settings.OUTBOUND_ALLOW_PRIVATE = False
    sent_before = len(oip_server.requests)

    replay = _replay(user, version, [file_report(reporter=user, version=version)], run_on_commit)

    assert replay.status == ReplayStatus.FAILED
    assert "may not be called" in replay.error_message and "OUTBOUND_ALLOW_PRIVATE" in replay.error_message
    assert len(oip_server.requests) == sent_before


def test_a_model_error_is_a_row_error_and_the_good_rows_keep_their_outputs(user, oip_server, run_on_commit):
    version = _oip_version(f"{oip_server.endpoint}?output=label")
    good = [file_report(reporter=user, version=version, index=i) for i in range(8)]
    bad = _bad_row(user, version, sepal_length="long")  # the model raises; MLServer answers 500

    replay = _replay(user, version, [*good[:4], bad, *good[4:]], run_on_commit)

    assert replay.status == ReplayStatus.SUCCEEDED, replay.error_message
    assert (replay.matched, replay.mismatched, replay.errors) == (8, 0, 1)
    error = replay.results.get(report=bad).error
    assert "HTTP 500" in error and "could not convert string to float: 'long'" in error


def test_a_missing_number_travels_as_null_and_the_model_decides(user, oip_server, run_on_commit):
    version = _oip_version(f"{oip_server.endpoint}?output=label")
    good = file_report(reporter=user, version=version, index=0)
    missing = _bad_row(user, version, sepal_length=None)
    replay = _replay(user, version, [good, missing], run_on_commit)
    assert (replay.matched, replay.errors) == (1, 1)
    assert "Input X contains NaN" in replay.results.get(report=missing).error


def test_a_run_in_which_every_row_was_refused_fails_with_the_first_message(user, oip_server, run_on_commit):
    version = _oip_version(f"{oip_server.endpoint}?output=label")
    bad = [_bad_row(user, version, sepal_length=text) for text in ("long", "longer")]
    replay = _replay(user, version, bad, run_on_commit)
    assert replay.status == ReplayStatus.FAILED
    assert "refused every input (2)" in replay.error_message
    assert "could not convert string to float: 'long'" in replay.error_message
    assert replay.results.count() == 0


def test_an_unknown_model_fails_the_run_at_once_naming_the_url(user, oip_server, run_on_commit):
    endpoint = f"{oip_server.base}/v2/models/nosuch/versions/v1?output=label"
    version = _oip_version(endpoint, name="nosuch", check_server=False)
    reports = [file_report(reporter=user, version=version, index=i) for i in range(5)]

    replay = _replay(user, version, reports, run_on_commit)

    assert replay.status == ReplayStatus.FAILED
    assert f"no model at {oip_server.base}/v2/models/nosuch/versions/v1/infer" in replay.error_message
    assert "Model nosuch with version v1 not found" in replay.error_message
    assert len(oip_server.requests) == 1  # neither retried nor bisected


# --- Registration ------------------------------------------------------------------------------

def test_registration_reads_the_models_metadata_and_records_the_server(oip_server):
    version = _oip_version(f"{oip_server.endpoint}?output=label")
    assert oip_server.gets[0] == "/v2/models/iris/versions/1"
    assert version.library_versions["server"] == "oip-double 0"


@pytest.mark.parametrize("endpoint, message", [
    ("{base}/v2/models/nosuch/versions/1", "answered HTTP 404: Model nosuch not found"),
    ("http://127.0.0.1:9/v2/models/iris/versions/1", "could not be reached"),
    ("{base}/v2/models/iris/versions/1?output=proba", "has the outputs ['label', 'score'], not 'proba'"),
])
def test_registration_refuses_an_endpoint_that_does_not_serve_the_model(oip_server, endpoint, message):
    with pytest.raises(ArtifactError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _oip_version(endpoint.format(base=oip_server.base))
    assert not ModelVersion.objects.exists()


def test_registration_refuses_a_schema_the_model_does_not_take(oip_server):
    oip_server.metadata_inputs = [{"name": "sepal_length", "datatype": "FP64", "shape": [-1, 1]}]
    with pytest.raises(ArtifactError, match=r"'sepal_width', 'petal_length', 'petal_width'\] are not among them"):
        _oip_version(oip_server.endpoint)


def test_register_model_no_check_registers_an_offline_endpoint(tmp_path, capsys):
    endpoint = "http://127.0.0.1:9/v2/models/iris/versions/1"
    features, _ = iris_frame()
    features.to_csv(tmp_path / "reference.csv", index=False)
    with pytest.raises(CommandError, match="could not be reached.*--no-check"):
        call_command("register_model", "offline", "1", "--artifact", endpoint, "--backend", "oip",
                     "--reference", str(tmp_path / "reference.csv"))
    call_command("register_model", "offline", "1", "--artifact", endpoint, "--backend", "oip", "--no-check",
                 "--reference", str(tmp_path / "reference.csv"))
    assert ModelVersion.objects.get(model__name="offline").artifact_uri == endpoint


def test_an_oip_endpoint_must_look_like_one():
    with pytest.raises(ArtifactError, match="not an Open Inference Protocol endpoint"):
        _oip_version("ftp://models/iris")
