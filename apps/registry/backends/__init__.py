"""Model backends: how a registered version runs itself. One small interface (describe /
load / predict a DataFrame, in `base`), one module per kind of backend; `backend_for` picks
the implementation named on the version."""

from __future__ import annotations

from .base import ArtifactError, BackendUnavailable, InputsRefused, LoadedModel, ModelBackend, PredictionOutcome
from .mlflow_backend import MlflowBackend
from .oip_backend import OipBackend
from .sklearn_backend import SklearnBackend

# mlflow is imported only when an mlflow version is used, so the backend is always listed and
# says how to install the extra when it is missing.
_BACKENDS: dict[str, ModelBackend] = {"sklearn": SklearnBackend(), "mlflow": MlflowBackend(), "oip": OipBackend()}


def backend_for(backend_name: str) -> ModelBackend:
    try:
        return _BACKENDS[backend_name]
    except KeyError as exc:
        raise ArtifactError(
            f"The '{backend_name}' backend is not available in this installation "
            f"(available: {', '.join(sorted(_BACKENDS))})."
        ) from exc


__all__ = ["ArtifactError", "BackendUnavailable", "InputsRefused", "LoadedModel", "ModelBackend", "PredictionOutcome",
           "backend_for"]
