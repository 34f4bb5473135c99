"""A model's sensitive features are stored as a marker, never as their value: in the inference
log, in reports (typed in or resolved from the log), and so nowhere downstream either."""

import pytest

from apps.audit.models import AuditEvent
from apps.predictions.models import Prediction
from apps.predictions.services import predictions_log
from apps.registry.redaction import REDACTED
from apps.registry.services import model_redaction_set
from apps.replays.models import ReplayStatus
from apps.replays.services import replay_start
from apps.reports.models import Report
from apps.reports.services import report_create
from tests.registry.factories import iris_label, iris_row, trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

SECRET = 4.2424


@pytest.fixture
def version():
    return trained_version()


def _logged(version, index=0, **features):
    return {"prediction_id": f"p-{index}", "model": "iris", "model_version": "1.0",
            "features": iris_row(index) | features,
            "output": iris_label(index), "timestamp": "2026-11-20T10:00:00Z"}


def _stored_anywhere(value) -> bool:
    """Whether `value` reached any column of the log or the reports."""
    text = str(value)
    return any(text in str(row) for row in Prediction.objects.values_list("features", "output", "context")) or any(
        text in str(row) for row in Report.objects.values_list("features", "output", "context", "schema_problems"))


def test_a_redacted_feature_is_logged_as_a_marker_and_the_others_as_sent(version):
    model_redaction_set(model=version.model, features=["customer_email", "petal_width"])

    result = predictions_log(rows=[_logged(version, 0, petal_width=SECRET, customer_email="ann@example.com"),
                                   _logged(version, 1)])

    assert result.created == 2
    stored = Prediction.objects.get(prediction_id="p-0").features
    assert stored["customer_email"] == REDACTED and stored["petal_width"] == REDACTED
    assert stored["sepal_length"] == iris_row(0)["sepal_length"]
    assert not _stored_anywhere("ann@example.com") and not _stored_anywhere(SECRET)


def test_a_report_filed_with_features_stores_the_marker_and_is_not_refused_for_it(user, version):
    model_redaction_set(model=version.model, features=["petal_width"])

    report = file_report(reporter=user, version=version, features=iris_row(0) | {"petal_width": SECRET})

    assert report.features["petal_width"] == REDACTED
    assert report.schema_problems == {}  # the marker is not a "wrong type" for a numeric feature
    assert not _stored_anywhere(SECRET)


def test_a_report_resolved_from_the_log_never_stores_the_value(user, version):
    # Logged before the feature was redacted: the log still has the value until retention
    # removes it, but a report filed now must not copy it.
    predictions_log(rows=[_logged(version, 0, petal_width=SECRET)])
    model_redaction_set(model=version.model, features=["petal_width", "customer_email"])

    report = report_create(reporter=user, model_name="iris", prediction_id="p-0", title="Odd")

    assert report.features["petal_width"] == REDACTED
    assert report.logged_prediction.prediction_id == "p-0"
    assert str(SECRET) not in str(Report.objects.values_list("features", flat=True).get())


def test_a_report_from_a_redacted_log_entry_can_be_filed(user, version):
    model_redaction_set(model=version.model, features=["petal_width"])
    predictions_log(rows=[_logged(version, 0, petal_width=SECRET)])

    report = report_create(reporter=user, model_name="iris", prediction_id="p-0", title="Odd")

    assert report.features["petal_width"] == REDACTED
    assert report.schema_problems == {}


def test_forensics_reports_a_redacted_feature_as_redacted_not_as_a_type_mismatch(api_client, user, version):
    model_redaction_set(model=version.model, features=["petal_width"])
    report = file_report(reporter=user, version=version, features=iris_row(0) | {"petal_width": SECRET,
                                                                                  "petal_length": 1400.0})

    checks = {check["feature"]: check for check in api_client.get(f"/api/v1/reports/{report.pk}/").json()[
        "input_checks"]}

    assert checks["petal_width"]["flags"] == ["redacted"]
    assert checks["petal_width"]["value"] == REDACTED
    assert "redacted" in checks["petal_width"]["message"]
    assert checks["petal_width"]["score"] == 0
    assert "above_max" in checks["petal_length"]["flags"]  # the other features are still checked


def test_the_report_page_shows_the_marker_and_not_the_value(client, user, version):
    model_redaction_set(model=version.model, features=["petal_width"])
    report = file_report(reporter=user, version=version, features=iris_row(0) | {"petal_width": SECRET})
    client.force_login(user)

    page = client.get(f"/reports/{report.pk}/").content.decode()

    assert REDACTED in page and str(SECRET) not in page


def test_replaying_a_report_with_a_redacted_input_says_it_cannot_reproduce(user, version, run_on_commit):
    model_redaction_set(model=version.model, features=["petal_width"])
    redacted = file_report(reporter=user, version=version, index=0, features=iris_row(0) | {"petal_width": SECRET})
    model_redaction_set(model=version.model, features=[])
    plain = file_report(reporter=user, version=version, index=1)

    with run_on_commit():
        replay = replay_start(actor=user, model_version=version, reports=[redacted, plain])
    replay.refresh_from_db()

    assert replay.status == ReplayStatus.SUCCEEDED
    assert (replay.total, replay.matched, replay.errors) == (2, 1, 1)
    result = replay.results.get(report=redacted)
    assert result.error.startswith("Cannot reproduce: petal_width is redacted")
    assert result.output is None and result.matches_original is None
    assert replay.results.get(report=plain).matches_original is True


def test_a_replay_of_only_redacted_reports_finishes_with_the_reason(user, version, run_on_commit):
    model_redaction_set(model=version.model, features=["petal_width", "sepal_width"])
    report = file_report(reporter=user, version=version, index=0)

    with run_on_commit():
        replay = replay_start(actor=user, model_version=version, reports=[report])
    replay.refresh_from_db()

    assert replay.status == ReplayStatus.SUCCEEDED and replay.errors == 1
    assert "petal_width, sepal_width are redacted" in replay.results.get().error


def test_a_redacted_feature_the_model_does_not_take_does_not_stop_a_replay(user, version, run_on_commit):
    model_redaction_set(model=version.model, features=["customer_email"])
    report = file_report(reporter=user, version=version, index=0,
                         features=iris_row(0) | {"customer_email": "ann@example.com"},
                         allow_schema_mismatch=True)

    with run_on_commit():
        replay = replay_start(actor=user, model_version=version, reports=[report])
    replay.refresh_from_db()

    assert (replay.matched, replay.errors) == (1, 0)


def test_changing_the_redacted_features_is_audited(user, version):
    model_redaction_set(model=version.model, features=["email", " postcode ", "email"])
    version.model.refresh_from_db()

    assert version.model.redacted_features == ["email", "postcode"]
    event = AuditEvent.objects.get(action="model.set_redaction")
    assert event.old == {"redacted_features": []} and event.new == {"redacted_features": ["email", "postcode"]}
    model_redaction_set(model=version.model, features=["email", "postcode"])
    assert AuditEvent.objects.filter(action="model.set_redaction").count() == 1  # no change, no event
