import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import InvalidInput, NotFound
from apps.incidents.models import IncidentStatus
from apps.predictions.services import predictions_log
from apps.reports.models import Report
from apps.reports.services import report_create
from tests.registry.factories import iris_label, iris_row, trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    return trained_version()


def test_a_report_with_inputs_opens_an_incident_and_is_audited(user, version):
    report = file_report(reporter=user, version=version, title="Setosa shown as virginica")

    assert report.incident.status == IncidentStatus.OPEN
    assert report.incident.title == "Setosa shown as virginica"
    assert report.features == iris_row(0)
    assert AuditEvent.objects.filter(action="report.create", target_id=str(report.pk)).exists()
    assert AuditEvent.objects.filter(action="incident.open", target_id=str(report.incident_id)).exists()


def test_a_prediction_id_is_resolved_from_the_inference_log(user, version):
    predictions_log(rows=[{"prediction_id": "p-1", "model": "iris", "model_version": "1.0",
                           "features": iris_row(50), "output": "versicolor", "context": {"surface": "shop"}}])

    report = report_create(reporter=user, model_name="iris", prediction_id="p-1", title="Looks odd")

    assert report.model_version == version
    assert report.features == iris_row(50)
    assert report.output == "versicolor"
    assert report.logged_prediction.prediction_id == "p-1"


def test_an_unknown_prediction_id_says_so(user, version):
    with pytest.raises(InvalidInput, match="No logged prediction 'nope'") as error:
        report_create(reporter=user, model_name="iris", prediction_id="nope", title="x")
    assert "prediction_id" in error.value.errors


def test_without_prediction_id_or_features_the_inputs_are_missing_and_the_version_is_the_newest(user, version):
    report = report_create(reporter=user, model_name="iris", title="x")

    assert report.inputs == "missing"
    assert report.model_version == version
    assert report.features == {} and report.output is None
    assert report.incident.model == version.model


def test_unknown_model_and_version_are_named(user, version):
    with pytest.raises(NotFound, match="no model named 'tulips'"):
        report_create(reporter=user, model_name="tulips", model_version="1.0", features={}, title="x")
    with pytest.raises(NotFound, match="has no version '9'"):
        report_create(reporter=user, model_name="iris", model_version="9", features={}, title="x")


def test_features_that_do_not_fit_the_schema_are_named_feature_by_feature(user, version):
    features = iris_row(0) | {"colour": "blue", "sepal_width": "wide"}
    del features["petal_width"]

    with pytest.raises(InvalidInput) as error:
        report_create(reporter=user, model_name="iris", model_version="1.0", features=features, title="x")

    assert set(error.value.errors) == {"features.colour", "features.sepal_width", "features.petal_width"}
    assert Report.objects.count() == 0


def test_a_confirmed_schema_mismatch_is_filed_with_the_problems_on_record(user, version):
    features = iris_row(0) | {"colour": "blue"}
    report = report_create(reporter=user, model_name="iris", model_version="1.0", features=features,
                           title="x", allow_schema_mismatch=True)
    assert report.features["colour"] == "blue"
    assert "features.colour" in report.schema_problems


@pytest.mark.parametrize("features", [[1, 2], "text", 3, {"x": float("nan")}])
def test_features_must_be_an_object_of_finite_values(user, version, features):
    with pytest.raises(InvalidInput, match="features"):
        report_create(reporter=user, model_name="iris", model_version="1.0", features=features, title="x")


def test_a_title_is_required_and_bounded(user, version):
    with pytest.raises(InvalidInput):
        report_create(reporter=user, model_name="iris", model_version="1.0", features=iris_row(0), title="  ")
    with pytest.raises(InvalidInput):
        report_create(reporter=user, model_name="iris", model_version="1.0", features=iris_row(0), title="x" * 201)


def test_output_defaults_to_none_when_not_given(user, version):
    report = report_create(reporter=user, model_name="iris", model_version="1.0", features=iris_row(0), title="x")
    assert report.output is None
    assert iris_label(0) == "setosa"
