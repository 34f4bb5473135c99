"""scikit-learn models saved with joblib. Loading a pickle runs code, so the file's sha256 is
checked against the registered one before every load, and only registered files load."""

from __future__ import annotations

import hashlib
import threading
import warnings
from collections import OrderedDict
from pathlib import Path
from typing import Any

import joblib
import sklearn

from .base import ArtifactError, LoadedModel

# Loaded models are kept per worker process, keyed by (version, digest), a few at a time.
_CACHE_SIZE = 8
_cache: OrderedDict[tuple[int, str], LoadedModel] = OrderedDict()
_cache_lock = threading.Lock()


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

    def load(self, *, version_id: int, artifact_uri: str, sha256: str, feature_names: list[str]) -> LoadedModel:
        path = _existing_file(artifact_uri)
        actual = file_sha256(path)
        if actual != sha256:
            raise ArtifactError(
                f"The model artifact {artifact_uri} has changed since it was registered "
                f"(sha256 {actual[:12]}…, registered {sha256[:12]}…); refusing to load it."
            )
        key = (version_id, sha256)
        with _cache_lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                predictor = joblib.load(path)
            except Exception as exc:  # a corrupt pickle raises almost anything
                raise ArtifactError(f"The model artifact could not be loaded: {exc.__class__.__name__}: {exc}") from exc
        if not hasattr(predictor, "predict"):
            raise ArtifactError("The model artifact has no predict() method.")
        loaded = LoadedModel(
            predictor=predictor,
            feature_names=feature_names or list(getattr(predictor, "feature_names_in_", [])),
            warnings=sorted({str(w.message) for w in caught}),
        )
        with _cache_lock:
            _cache[key] = loaded
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        return loaded
