"""Short fingerprints of a post-mortem's field values, as an editor saw them when the page
opened. They let a stale page save merge instead of conflict: a field this person left alone
is not written back, and a field they changed is written unless someone else changed that same
field in between (see `postmortem_update`)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any


def fingerprint(value: Any) -> str:
    if value is None:
        text = ""
    elif isinstance(value, datetime):
        # The page's datetime-local inputs carry minutes, in the server's zone.
        text = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    else:
        # Browsers post textareas with CRLF; the API sends LF.
        text = str(value).replace("\r\n", "\n").strip()
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def fingerprints(obj: Any, names: tuple[str, ...] | list[str]) -> dict[str, str]:
    return {name: fingerprint(getattr(obj, name)) for name in names}
