"""scikit-learn models saved with joblib. Loading a pickle runs code, so the file's sha256 is
checked against the registered one before every load, and only registered files load."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import joblib
import sklearn

from .base import ArtifactError, LoadedModel, PredictorModel, load_verified
from .cache import loaded_models


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _existing_file(artifact_uri: str) -> Path:
    path = Path(artifact_uri)
    if not path.is_file():
        raise ArtifactError(f"The model artifact {artifact_uri} does not exist or is not a file.")
    return path


class SklearnBackend:
    name = "sklearn"

    def describe(self, artifact_uri: str) -> dict[str, Any]:
        path = _existing_file(artifact_uri)
        return {"sha256": file_sha256(path), "library_versions": {"scikit-learn": sklearn.__version__,
                                                                   "joblib": joblib.__version__}}

    def load(self, *, version_id: int, artifact_uri: str, sha256: str, feature_names: list[str],
             feature_types: dict[str, str] | None = None) -> LoadedModel:
        path = _existing_file(artifact_uri)
        # A cached model was verified when it was loaded; the file is hashed again (and the
        # model reloaded) only when its size or modification time changed since.
        stat = path.stat()
        stamp = (stat.st_size, stat.st_mtime_ns)
        key = ("sklearn", version_id, sha256, str(path))
        cached = loaded_models.get(key, stamp=stamp)
        if cached is not None:
            return cached
        # scikit-learn warns when a model pickled under another version is loaded
        # (InconsistentVersionWarning): that warning belongs on the replay.
        predictor, caught = load_verified(artifact=f"The model artifact {artifact_uri}",
                                          actual_sha256=file_sha256(path), registered_sha256=sha256,
                                          load=lambda: joblib.load(path))
        if not hasattr(predictor, "predict"):
            raise ArtifactError("The model artifact has no predict() method.")
        loaded = PredictorModel(
            predictor=predictor,
            feature_names=feature_names or list(getattr(predictor, "feature_names_in_", [])),
            warnings=caught,
            # The pickle's size is a fair estimate of what the arrays take in memory.
            size_bytes=stat.st_size,
        )
        loaded_models.put(key, loaded, stamp=stamp)
        return loaded
