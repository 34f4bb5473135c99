from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd

from apps.core.errors import DomainError


class ArtifactError(DomainError):
    """The version cannot be loaded: missing file, changed file, unknown backend."""

    status = 409
    title = "Model artifact unusable"
    slug = "artifact-unusable"


@dataclass
class PredictionOutcome:
    """One output per input row, or the error that row raised."""

    outputs: list[Any]
    errors: list[str | None]


@dataclass
class LoadedModel:
    predictor: Any
    feature_names: list[str]
    warnings: list[str] = field(default_factory=list)

    def predict_frame(self, frame: pd.DataFrame) -> PredictionOutcome:
        """One vectorised call for the whole frame; only when it fails are rows retried one by
        one, so that one bad input becomes one row error instead of failing everything."""
        frame = frame.reindex(columns=self.feature_names)
        try:
            return PredictionOutcome(outputs=_to_python(self.predictor.predict(frame)), errors=[None] * len(frame))
        except Exception:  # the model is third-party code: any error is a replay finding
            outputs: list[Any] = []
            errors: list[str | None] = []
            for position in range(len(frame)):
                try:
                    outputs.append(_to_python(self.predictor.predict(frame.iloc[[position]]))[0])
                    errors.append(None)
                except Exception as exc:  # noqa: BLE001 — recorded per row
                    outputs.append(None)
                    errors.append(f"{exc.__class__.__name__}: {exc}")
            return PredictionOutcome(outputs=outputs, errors=errors)


def _to_python(values) -> list[Any]:
    if hasattr(values, "tolist"):
        return values.tolist()
    return list(values)


class ModelBackend(Protocol):
    name: str

    def describe(self, artifact_uri: str) -> dict[str, Any]:
        """What registration records: the artifact's digest and the library versions."""

    def load(self, *, version_id: int, artifact_uri: str, sha256: str, feature_names: list[str]) -> LoadedModel:
        """A ready model, verified against the registered digest before any code runs."""
