"""What a replay finds besides match / mismatch: a model that answers differently for the
same input, models and inputs that fail — always as a clear message, never a dead worker or
a half-written run."""

from __future__ import annotations

import pytest
import sklearn.base

from apps.replays.models import ReplayStatus
from tests.registry.factories import iris_row, trained_version
from tests.replays.estimators import CoinFlipClassifier, ConstantModel, NanRegressor, RaisingClassifier
from tests.replays.factories import replayed
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


def test_a_model_that_answers_differently_for_the_same_input_is_flagged(user, settings):
    settings.REPLAY_DETERMINISM_SAMPLE = 50
    version = trained_version(estimator=CoinFlipClassifier())
    reports = [file_report(reporter=user, version=version, index=i) for i in range(30)]

    replay = replayed(user, version, reports)

    assert replay.status == ReplayStatus.SUCCEEDED
    # 30 inputs predicted twice among three classes: the odds that none differ are (1/3)^30.
    assert replay.nondeterministic > 0
    flagged = replay.results.filter(nondeterministic=True).first()
    assert len(flagged.diff["nondeterministic"]) == 2


def test_a_second_replay_on_the_same_version_that_differs_is_flagged_against_the_first(user, settings):
    settings.REPLAY_DETERMINISM_SAMPLE = 0  # only the comparison with the earlier run
    version = trained_version()
    report = file_report(reporter=user, version=version, index=0)
    first = replayed(user, version, [report])
    assert first.nondeterministic == 0
    first.results.update(output="virginica")  # what an earlier, different answer looks like

    second = replayed(user, version, [report])

    assert second.nondeterministic == 1
    result = second.results.get()
    assert result.nondeterministic is True and result.diff["nondeterministic"] == ["virginica", "setosa"]


def test_a_deterministic_model_is_never_flagged(user):
    version = trained_version()
    reports = [file_report(reporter=user, version=version, index=i) for i in range(10)]
    for _ in range(2):
        assert replayed(user, version, reports).nondeterministic == 0


def test_a_model_that_raises_gives_row_errors_with_its_message(user):
    version = trained_version(estimator=RaisingClassifier())
    reports = [file_report(reporter=user, version=version, index=i) for i in range(3)]

    replay = replayed(user, version, reports)

    assert replay.status == ReplayStatus.SUCCEEDED and replay.errors == 3
    assert replay.results.first().error == "RuntimeError: the model's feature pipeline is broken"


def test_a_non_finite_output_is_a_row_error_not_a_database_error(user):
    version = trained_version(model_name="nan-score", estimator=NanRegressor())
    report = file_report(reporter=user, version=version, output=0.5)

    replay = replayed(user, version, [report])

    assert replay.status == ReplayStatus.SUCCEEDED and replay.errors == 1
    assert "non-finite" in replay.results.get().error


def test_one_bad_row_among_many_is_isolated_and_the_rest_still_predicted(user):
    version = trained_version()
    good = [file_report(reporter=user, version=version, index=i) for i in range(6)]
    bad = file_report(reporter=user, version=version,
                      features={"sepal_length": "long", "sepal_width": 1, "petal_length": 1, "petal_width": 1},
                      allow_schema_mismatch=True)

    replay = replayed(user, version, [*good, bad])

    assert (replay.matched, replay.errors) == (6, 1)
    assert "could not convert" in replay.results.get(report=bad).error.lower()


def test_a_missing_artifact_fails_the_run_with_a_clear_message(user):
    from pathlib import Path

    version = trained_version()
    report = file_report(reporter=user, version=version)
    Path(version.artifact_uri).unlink()

    replay = replayed(user, version, [report])

    assert replay.status == ReplayStatus.FAILED
    assert "does not exist" in replay.error_message and replay.results.count() == 0


def test_scikit_learn_version_warnings_are_kept_on_the_replay(user, monkeypatch):
    with monkeypatch.context() as older:
        older.setattr(sklearn.base, "__version__", "1.0.0")  # pickled under another scikit-learn
        version = trained_version(model_name="old-iris")
    report = file_report(reporter=user, version=version)

    replay = replayed(user, version, [report])

    assert replay.status == ReplayStatus.SUCCEEDED
    assert any("1.0.0" in warning and sklearn.__version__ in warning for warning in replay.warnings), replay.warnings
    assert replay.library_versions["runtime:scikit-learn"] == sklearn.__version__


ODD = 'back\\slash\ttab\nnew "quote" é ✓ \\N'


def test_odd_characters_in_outputs_and_errors_are_stored_as_they_are(user):
    """The bulk write (COPY on PostgreSQL) must not mangle backslashes, tabs, newlines or \\N."""
    version = trained_version(model_name="odd", estimator=ConstantModel({"label": ODD, "tags": [ODD]},
                                                                        fail_on=f"refused: {ODD}"))
    fine = file_report(reporter=user, version=version, index=60, output={"label": "x"})  # sepal_length 5.0
    failing = file_report(reporter=user, version=version, features={**iris_row(0), "sepal_length": 4.4})

    replay = replayed(user, version, [fine, failing])

    result = replay.results.get(report=fine)
    assert result.output == {"label": ODD, "tags": [ODD]}
    assert result.diff == {"logged": {"label": "x"}, "replayed": {"label": ODD, "tags": [ODD]}}
    assert replay.results.get(report=failing).error == f"ValueError: refused: {ODD}"


def test_an_output_with_a_nul_character_is_a_row_error(user):
    version = trained_version(model_name="nul", estimator=ConstantModel("bad\x00label"))
    replay = replayed(user, version, [file_report(reporter=user, version=version)])
    assert replay.status == ReplayStatus.SUCCEEDED and replay.errors == 1
    assert "NUL character" in replay.results.get().error
