"""Every HTTP exchange of the `oip` backend goes through `exchange`, which sends it through the
app's one outbound client (apps/core/outbound.py): timeouts, no redirects, and the address
policy — an endpoint on a loopback or private address is refused unless OUTBOUND_ALLOW_PRIVATE
is set (inference servers usually run inside the cluster: set it there)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from apps.core import outbound


class Unreachable(Exception):
    """No HTTP answer at all: refused connection, DNS failure, timeout, reset."""


class NotAllowed(Unreachable):
    """The address policy refuses the endpoint: retrying cannot help."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes


def exchange(method: str, url: str, *, body: bytes | None = None, timeout: float | None = None) -> Answer:
    """One request; any HTTP status is an `Answer` (the caller decides what it means), no
    answer at all raises `Unreachable` (`NotAllowed` when the policy refuses the address). The
    body read is capped at OIP_MAX_RESPONSE_BYTES + 1 so that the caller can tell an oversized
    answer."""
    headers = {"Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    outcome = outbound.send(method, url, body=body, headers=headers,
                            timeout=timeout or settings.OIP_TIMEOUT_SECONDS,
                            max_bytes=settings.OIP_MAX_RESPONSE_BYTES + 1)
    if outcome.status is None:
        if outcome.refused:
            raise NotAllowed(outcome.error)
        raise Unreachable(outcome.error)
    return Answer(status=outcome.status, body=outcome.body)
