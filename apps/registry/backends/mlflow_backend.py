"""MLflow models through `mlflow.pyfunc` (the optional extra: `pip install -r
requirements-mlflow.txt`). The artifact is any MLflow model URI, usually
`models:/name/version`; registration records a digest of the model's files and every load
checks it, as for joblib files, since a pyfunc model can run code when it loads.

MLflow enforces the model's signature on every predict: a row that does not fit raises
MlflowException, which the bisection in `LoadedModel.predict_frame` turns into that row's
error while the other rows are still predicted."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from .base import ArtifactError, LoadedModel, PredictorModel, load_verified
from .cache import loaded_models

EXTRA_HINT = "install the optional extra with `pip install -r requirements-mlflow.txt`"


def _mlflow():
    # Telemetry would try to reach the internet from a worker; nobody asked for that.
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    try:
        import mlflow
        import mlflow.artifacts
        import mlflow.pyfunc
    except ImportError as exc:
        raise ArtifactError(f"The mlflow backend is not installed here: {EXTRA_HINT}.") from exc
    return mlflow


def directory_sha256(root: Path) -> str:
    """One digest over every file's relative path and content, in a stable order."""
    digest = hashlib.sha256()
    files = [root] if root.is_file() else sorted(path for path in root.rglob("*") if path.is_file())
    for path in files:
        digest.update(str(path.relative_to(root) if path != root else path.name).encode() + b"\0")
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def _download(mlflow, artifact_uri: str, destination: str) -> Path:
    try:
        return Path(mlflow.artifacts.download_artifacts(artifact_uri=artifact_uri, dst_path=destination))
    except Exception as exc:  # MlflowException, OSError, a registry that is down…
        raise ArtifactError(f"MLflow could not fetch the model {artifact_uri}: {exc.__class__.__name__}: "
                            f"{str(exc)[:500]}") from exc


def _size(root: Path) -> int:
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file()) if root.is_dir() else 0


class MlflowBackend:
    name = "mlflow"

    def describe(self, artifact_uri: str) -> dict[str, Any]:
        mlflow = _mlflow()
        with tempfile.TemporaryDirectory(prefix="mlincidents-mlflow-") as scratch:
            local = _download(mlflow, artifact_uri, scratch)
            versions = {"mlflow": mlflow.__version__}
            try:
                from mlflow.models import Model as MlflowModel

                metadata = MlflowModel.load(str(local))
                versions["model:mlflow_version"] = metadata.mlflow_version or ""
                versions["model:flavors"] = ",".join(sorted(metadata.flavors))
            except Exception:  # noqa: BLE001 — the metadata is informative only
                pass
            return {"sha256": directory_sha256(local), "library_versions": versions}

    def load(self, *, version_id: int, artifact_uri: str, sha256: str, feature_names: list[str],
             feature_types: dict[str, str] | None = None) -> LoadedModel:
        key = ("mlflow", version_id, sha256, artifact_uri)
        # A registered MLflow model version's files never change: what was verified once
        # stays valid for this process.
        cached = loaded_models.get(key)
        if cached is not None:
            return cached
        mlflow = _mlflow()
        with tempfile.TemporaryDirectory(prefix="mlincidents-mlflow-") as scratch:
            local = _download(mlflow, artifact_uri, scratch)
            predictor, caught = load_verified(
                artifact=f"The MLflow model {artifact_uri}", actual_sha256=directory_sha256(local),
                registered_sha256=sha256, load=lambda: mlflow.pyfunc.load_model(str(local)))
            size = _size(local)
        signature_names: list[str] = []
        input_schema = predictor.metadata.get_input_schema() if predictor.metadata else None
        if input_schema is not None and input_schema.has_input_names():
            signature_names = list(input_schema.input_names())
        loaded = PredictorModel(predictor=predictor, feature_names=feature_names or signature_names,
                                warnings=caught, size_bytes=size)
        loaded_models.put(key, loaded)
        return loaded
