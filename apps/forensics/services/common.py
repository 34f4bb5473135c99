"""What the forensics jobs share: results stored as JSON everywhere, and queueing that a
broker outage cannot undo."""

from __future__ import annotations

from typing import Any

import numpy as np


def enqueue(task, *args) -> None:
    """Sends a task through the package's `_enqueue` (looked up at call time, so that a test
    or an operator can hold the queue for the whole package at one place)."""
    from apps.forensics import services

    services._enqueue(task, *args)


def jsonable(value: Any) -> Any:
    """numpy scalars and non-finite floats out, so the result stores as JSON everywhere."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
