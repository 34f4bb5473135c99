"""Model backends: how a registered version runs itself. One small interface, one module per
kind of backend; `backend_for` picks the implementation named on the version."""

from __future__ import annotations

from .base import ArtifactError, LoadedModel, ModelBackend, PredictionOutcome
from .sklearn_backend import SklearnBackend

_BACKENDS: dict[str, ModelBackend] = {"sklearn": SklearnBackend()}


def backend_for(backend_name: str) -> ModelBackend:
    try:
        return _BACKENDS[backend_name]
    except KeyError as exc:
        raise ArtifactError(
            f"The '{backend_name}' backend is not available in this installation "
            f"(available: {', '.join(sorted(_BACKENDS))})."
        ) from exc


__all__ = ["ArtifactError", "LoadedModel", "ModelBackend", "PredictionOutcome", "backend_for"]
