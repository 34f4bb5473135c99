"""The one small interface every model backend implements: `describe` an artifact at
registration, `load` a verified model, and `predict_frame` a pandas DataFrame."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import pandas as pd

from apps.core.errors import DomainError

MAX_ROW_ERROR_LENGTH = 2000


class ArtifactError(DomainError):
    """The version cannot be loaded: missing file, changed file, unknown backend."""

    status = 409
    title = "Model artifact unusable"
    slug = "artifact-unusable"


class BackendUnavailable(DomainError):
    """The model cannot answer at all (an inference server down or answering garbage): the
    whole run fails, since no row's result would mean anything."""

    status = 503
    title = "Model backend unavailable"
    slug = "backend-unavailable"


class InputsRefused(DomainError):
    """The model's server refused every input of the run: the endpoint and the inputs do not
    fit (a codec, a datatype, a model that fails on everything), so the run fails with the
    server's first message rather than succeeding with nothing but row errors."""

    status = 422
    title = "Model refused every input"
    slug = "inputs-refused"


@dataclass
class PredictionOutcome:
    """One output per input row, or the error that row raised."""

    outputs: list[Any]
    errors: list[str | None]


def _reraised() -> tuple[type[BaseException], ...]:
    # A time limit or an unusable backend must stop the chunk, not be recorded as row errors.
    from celery.exceptions import SoftTimeLimitExceeded

    return (SoftTimeLimitExceeded, BackendUnavailable, ArtifactError)


def row_error(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:MAX_ROW_ERROR_LENGTH]


@dataclass
class LoadedModel:
    """A model ready to predict. Subclasses implement `predict_rows` (one output per row of
    the frame, in order); `predict_frame` makes one vectorised call for the whole frame and,
    only when it fails, bisects the frame so that each bad input becomes one row error while
    every good row still gets its output from a vectorised call."""

    feature_names: list[str]
    warnings: list[str] = field(default_factory=list)
    size_bytes: int = 0

    def predict_rows(self, frame: pd.DataFrame) -> list[Any]:
        raise NotImplementedError

    def predict_frame(self, frame: pd.DataFrame) -> PredictionOutcome:
        if self.feature_names:
            frame = frame.reindex(columns=self.feature_names)
        outputs: list[Any] = [None] * len(frame)
        errors: list[str | None] = [None] * len(frame)
        if len(frame):
            self._fill(frame, 0, outputs, errors)
        return PredictionOutcome(outputs=outputs, errors=errors)

    def _fill(self, frame: pd.DataFrame, offset: int, outputs: list[Any], errors: list[str | None]) -> None:
        try:
            values = self.predict_rows(frame)
        except _reraised():
            raise
        except Exception as exc:  # noqa: BLE001 — the model is third-party code: any error is a finding
            if len(frame) == 1:
                errors[offset] = row_error(exc)
                return
            middle = len(frame) // 2
            # A slice of a mixed column stays `object`; the good half deserves its real dtypes.
            self._fill(frame.iloc[:middle].infer_objects(), offset, outputs, errors)
            self._fill(frame.iloc[middle:].infer_objects(), offset + middle, outputs, errors)
            return
        if len(values) != len(frame):
            raise BackendUnavailable(f"The model returned {len(values)} outputs for {len(frame)} inputs.")
        outputs[offset:offset + len(values)] = values


@dataclass
class PredictorModel(LoadedModel):
    """Anything with a scikit-learn style `predict(frame)`: scikit-learn, MLflow pyfunc."""

    predictor: Any = None

    def predict_rows(self, frame: pd.DataFrame) -> list[Any]:
        return to_python_rows(self.predictor.predict(frame))


def to_python_rows(values: Any) -> list[Any]:
    """One JSON-able value per row from what predict() returns (array, Series, DataFrame, list)."""
    if isinstance(values, pd.DataFrame):
        if values.shape[1] == 1:
            return values.iloc[:, 0].tolist()
        return values.to_dict(orient="records")
    if hasattr(values, "tolist"):
        return values.tolist()
    return list(values)


class ModelBackend(Protocol):
    name: str

    def describe(self, artifact_uri: str) -> dict[str, Any]:
        """What registration records: the artifact's digest and the library versions."""

    def load(self, *, version_id: int, artifact_uri: str, sha256: str, feature_names: list[str],
             feature_types: dict[str, str] | None = None) -> LoadedModel:
        """A ready model, verified against the registered digest before any code runs.
        `feature_types` maps each feature to its schema type, for backends that must say
        what they send (a local model reads the frame's own dtypes)."""


Loaded = TypeVar("Loaded")


def load_verified(*, artifact: str, actual_sha256: str, registered_sha256: str, load: Callable[[], Loaded],
                  ) -> tuple[Loaded, list[str]]:
    """Loads an artifact that runs code when loaded (a pickle, an MLflow model) only if its
    digest is still the one recorded at registration, and returns what loading warned about
    (a model saved under another library version, say), which belongs on the replay rather
    than in a log. `artifact` names it in the errors ("The model artifact /x.joblib")."""
    if actual_sha256 != registered_sha256:
        raise ArtifactError(
            f"{artifact} has changed since it was registered "
            f"(sha256 {actual_sha256[:12]}…, registered {registered_sha256[:12]}…); refusing to load it."
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            loaded = load()
        except Exception as exc:  # noqa: BLE001 — a corrupt artifact raises almost anything: the version is unusable
            raise ArtifactError(f"{artifact} could not be loaded: {exc.__class__.__name__}: {str(exc)[:500]}") from exc
    return loaded, sorted({str(warning.message) for warning in caught})
