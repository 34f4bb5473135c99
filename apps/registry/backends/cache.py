"""Loaded models, kept per worker process so that the chunks of a run (and the next runs)
do not load the same artifact again. Keyed by (version, digest): a re-registered file never
hits an old entry. Bounded by count and by an estimate of memory, least recently used first
out; a model larger than the whole bound is used once and not kept."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings

from .base import LoadedModel


class ModelCache:
    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, tuple[LoadedModel, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, *, stamp: Any = None) -> LoadedModel | None:
        """The cached model if it was stored with the same `stamp` (e.g. the file's size and
        mtime: a changed file must be verified again)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[1] != stamp:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: tuple, loaded: LoadedModel, *, stamp: Any = None) -> None:
        max_bytes = settings.MODEL_CACHE_MAX_BYTES
        if loaded.size_bytes > max_bytes:
            return
        with self._lock:
            self._entries[key] = (loaded, stamp)
            self._entries.move_to_end(key)
            while self._entries and (len(self._entries) > settings.MODEL_CACHE_MAX_ENTRIES
                                     or sum(model.size_bytes for model, _ in self._entries.values()) > max_bytes):
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


loaded_models = ModelCache()
