"""Every HTTP exchange of the `oip` backend goes through `exchange`, so that an outbound
address policy (which hosts a registered endpoint may point at) can be applied in one place."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings


class Unreachable(Exception):
    """No HTTP answer at all: refused connection, DNS failure, timeout, reset."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def exchange(method: str, url: str, *, body: bytes | None = None, timeout: float | None = None) -> Answer:
    """One request; any HTTP status is an `Answer` (the caller decides what it means), no
    answer at all raises `Unreachable`. The body read is capped at OIP_MAX_RESPONSE_BYTES + 1
    so that the caller can tell an oversized answer."""
    headers = {"User-Agent": "mlincidents", "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    limit = settings.OIP_MAX_RESPONSE_BYTES + 1
    try:
        with urllib.request.urlopen(request, timeout=timeout or settings.OIP_TIMEOUT_SECONDS) as response:  # noqa: S310 — http(s) only, checked at registration
            return Answer(status=response.status, body=response.read(limit))
    except urllib.error.HTTPError as exc:
        try:
            detail = exc.read(limit)
        except (OSError, TimeoutError):
            detail = b""
        return Answer(status=exc.code, body=detail)
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise Unreachable(str(getattr(exc, "reason", exc))) from exc
