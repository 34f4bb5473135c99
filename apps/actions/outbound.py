"""Calling other systems (a tracker's REST API, a webhook receiver) with the standard
library: `requests` is not a dependency, and a POST and a GET are all these calls need. Every
outcome comes back as a value — an answer with its status, or no answer and why — so callers
record it instead of letting an exception decide what is kept."""

from __future__ import annotations

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

# A receiver's answer is only read for an error message or an issue's address.
MAX_ANSWER_BYTES = 1024 * 1024
RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Outcome:
    status: int | None  # None: no HTTP answer (refused, timed out, unreachable)
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Worth trying again later: no answer at all, a server error, or "slow down". A 4xx
        says the request itself is wrong, and a redirect that the URL needs updating."""
        if self.status is None:
            return not self.error.startswith("Invalid URL")
        return self.status in RETRYABLE_STATUSES or self.status >= 500

    def summary(self) -> str:
        if self.status is None:
            return self.error
        text = self.body[:300].decode("utf-8", "replace").strip()
        return f"HTTP {self.status}" + (f": {text}" if text else "")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would follow a redirect of a POST as a GET, silently dropping the body.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    return _send(urllib.request.Request(url, data=body, method="POST",
                                        headers={"User-Agent": "mlincidents", **headers}), timeout=timeout)


def get(url: str, *, headers: dict[str, str], timeout: float) -> Outcome:
    return _send(urllib.request.Request(url, method="GET", headers={"User-Agent": "mlincidents", **headers}),
                 timeout=timeout)


def _send(request: urllib.request.Request, *, timeout: float) -> Outcome:
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with _OPENER.open(request, timeout=timeout) as answer:  # noqa: S310 — http(s) URLs set by admins
            return Outcome(status=answer.status, body=answer.read(MAX_ANSWER_BYTES),
                           headers=dict(answer.headers.items()), duration_ms=took())
    except urllib.error.HTTPError as exc:
        try:
            content = exc.read(MAX_ANSWER_BYTES)
        except Exception:  # the error body is a courtesy; its status is the answer
            content = b""
        return Outcome(status=exc.code, body=content, headers=dict(exc.headers.items()) if exc.headers else {},
                       duration_ms=took())
    except ValueError as exc:  # "unknown url type" and the like: retrying cannot help
        return Outcome(status=None, error=f"Invalid URL: {exc}", duration_ms=took())
    except TimeoutError:
        return Outcome(status=None, error=f"No answer within {timeout:g} s", duration_ms=took())
    except urllib.error.URLError as exc:
        return Outcome(status=None, error=f"Could not connect: {exc.reason}", duration_ms=took())
    except (http.client.HTTPException, OSError) as exc:
        return Outcome(status=None, error=f"Connection failed: {exc.__class__.__name__}: {exc}", duration_ms=took())
