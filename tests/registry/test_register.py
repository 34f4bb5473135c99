import json

import pytest
from django.core.management import CommandError, call_command

from apps.core.errors import Conflict
from apps.registry.backends import ArtifactError, backend_for
from apps.registry.models import ModelVersion
from apps.registry.services import model_version_register
from tests.registry.factories import iris_frame, train_artifact, trained_version

pytestmark = pytest.mark.django_db


def test_registering_records_digest_schema_and_reference_statistics():
    version = trained_version()

    assert len(version.sha256) == 64
    assert version.feature_names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    assert {f["type"] for f in version.feature_schema["features"]} == {"number"}
    petal = version.reference_stats["features"]["petal_length"]
    assert petal["min"] == 1.0 and petal["max"] == 6.9
    assert petal["quantiles"]["0.5"] == pytest.approx(4.35)
    assert version.reference_rows == 150
    assert len(version.reference_sample) == 150
    assert version.library_versions["scikit-learn"]


def test_registering_the_same_file_twice_is_a_no_op():
    version = trained_version()
    again = model_version_register(model_name="iris", version="1.0", artifact_uri=version.artifact_uri)
    assert again.pk == version.pk
    assert ModelVersion.objects.count() == 1


def test_another_file_under_an_existing_version_number_is_refused(settings, tmp_path):
    trained_version()
    other = train_artifact(tmp_path / "other.joblib")
    other.write_bytes(other.read_bytes() + b"\0")
    with pytest.raises(Conflict, match="already registered with another artifact"):
        model_version_register(model_name="iris", version="1.0", artifact_uri=str(other))


def test_a_missing_artifact_is_refused_with_its_path(tmp_path):
    with pytest.raises(ArtifactError, match="does not exist"):
        model_version_register(model_name="iris", version="1.0", artifact_uri=str(tmp_path / "nope.joblib"))


def test_a_changed_artifact_is_refused_before_it_is_loaded():
    version = trained_version()
    with open(version.artifact_uri, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ArtifactError, match="has changed since it was registered"):
        backend_for("sklearn").load(version_id=version.pk, artifact_uri=version.artifact_uri,
                                    sha256=version.sha256, feature_names=version.feature_names)


def test_register_model_command_infers_the_schema_from_the_reference_csv(tmp_path, capsys):
    artifact = train_artifact(tmp_path / "m.joblib")
    features, _ = iris_frame()
    features.to_csv(tmp_path / "reference.csv", index=False)

    call_command("register_model", "flowers", "2024.1", "--artifact", str(artifact),
                 "--reference", str(tmp_path / "reference.csv"))

    version = ModelVersion.objects.get(model__name="flowers", version="2024.1")
    assert version.feature_names == list(features.columns)
    assert "Registered flowers:2024.1" in capsys.readouterr().out


def test_register_model_command_takes_an_explicit_schema(tmp_path):
    artifact = train_artifact(tmp_path / "m.joblib")
    schema = {"features": [{"name": "sepal_length", "type": "number"}]}
    (tmp_path / "schema.json").write_text(json.dumps(schema))

    schema_file = str(tmp_path / "schema.json")
    call_command("register_model", "flowers", "1", "--artifact", str(artifact), "--schema", schema_file)

    assert ModelVersion.objects.get().feature_schema == schema


@pytest.mark.parametrize("args, message", [
    (["bad name!", "1", "--artifact", "x"], "Use letters, digits"),
    (["m", "1", "--artifact", "/definitely/missing.joblib"], "does not exist"),
    (["m", "1", "--artifact", "ARTIFACT", "--reference", "/no/such.csv"], "does not exist"),
])
def test_register_model_command_explains_bad_arguments(tmp_path, args, message):
    artifact = train_artifact(tmp_path / "m.joblib")
    args = [str(artifact) if arg == "ARTIFACT" else arg for arg in args]
    with pytest.raises(CommandError, match=message):
        call_command("register_model", *args)
