"""The one way the app calls URLs that admins set: ticket webhooks, the GitHub export, model
webhooks, chat follow-ups (and the OIP inference backend through `outbound_url_check`).

- Only http and https; a timeout on every call; redirects are never followed (urllib would
  follow a redirect of a POST as a GET, silently dropping the body, and a redirect could point
  anywhere).
- Unless OUTBOUND_ALLOW_PRIVATE is set, a host that resolves to a loopback, link-local,
  private or otherwise non-public address is refused. The name is resolved when the request is
  sent, every address it resolves to is checked, and the connection is made to one of those
  checked addresses, never to a second lookup of the name: a name that answers a public
  address to the check and 127.0.0.1 to the connection (DNS rebinding) cannot slip through.
  TLS still verifies the certificate against the host name. Environment proxies (HTTP_PROXY …)
  are not used, since a proxy would resolve the name itself, out of reach of the check.
- Every outcome comes back as a value (an answer with its status, or no answer and why), so
  callers record it instead of letting an exception decide what is kept. `summary()` is what
  people may read: the status line only, never the receiver's body, which could be anything
  an internal service answers.

`requests` is not a dependency: a POST and a GET are all these calls need."""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

# A receiver's answer is only read for an issue's address or a tracker's error message.
MAX_ANSWER_BYTES = 1024 * 1024
RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}
USER_AGENT = "mlincidents"


class OutboundRefused(OSError):
    """The URL may not be called: not http(s), no host, or a host that resolves to an address
    that is not public while OUTBOUND_ALLOW_PRIVATE is off. An OSError so that it travels
    through urllib's connection code like any other failure to connect; retrying cannot help."""


@dataclass(frozen=True)
class Outcome:
    status: int | None  # None: no HTTP answer (refused, timed out, unreachable)
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: str = ""
    duration_ms: int = 0
    reason: str = ""  # the status line's reason phrase ("Not Found")
    refused: bool = False  # not sent: the URL is invalid or its address is not allowed

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Worth trying again later: no answer at all, a server error, or "slow down". A 4xx
        says the request itself is wrong, a redirect that the URL needs updating, and a
        refused URL stays refused."""
        if self.status is None:
            return not self.refused
        return self.status in RETRYABLE_STATUSES or self.status >= 500

    def summary(self) -> str:
        """What a failed call may show people: the status line, or why there was no answer."""
        if self.status is None:
            return self.error
        return f"HTTP {self.status}" + (f" {self.reason}" if self.reason else "")


def _refusal(address: str) -> str | None:
    """Why the address may not be called, or None when it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.is_loopback or ip.is_unspecified:  # 0.0.0.0 reaches this machine too
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global or ip.is_multicast:
        return "not a public address"
    return None


def _resolve(host: str, port: int) -> list[tuple]:
    """getaddrinfo's answers for the host, each checked; raises OutboundRefused naming the
    first address that is not allowed."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"cannot resolve {host}: {exc.strerror or exc}") from exc
    if not settings.OUTBOUND_ALLOW_PRIVATE:
        for *_, sockaddr in found:
            why = _refusal(sockaddr[0])
            if why is not None:
                raise OutboundRefused(f"{host} resolves to {sockaddr[0]}, {why}; calls to such addresses are off "
                                      "(OUTBOUND_ALLOW_PRIVATE).")
    return found


def _connect_checked(address: tuple[str, int], timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None,
                     **_ignored) -> socket.socket:
    """socket.create_connection, but to the addresses `_resolve` checked, not to a new lookup."""
    host, port = address
    last_error: OSError | None = None
    for family, kind, proto, _, sockaddr in _resolve(host, port):
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last_error = exc
    raise last_error or OSError(f"{host} resolves to no address")


class _CheckedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_checked


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_checked  # then wrapped in TLS for the host name


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No ProxyHandler (see the module's docstring), no FTP or file URLs.
_OPENER = urllib.request.OpenerDirector()
for _handler in (urllib.request.UnknownHandler(), _CheckedHTTPHandler(), _CheckedHTTPSHandler(),
                 urllib.request.HTTPDefaultErrorHandler(), _NoRedirects(), urllib.request.HTTPErrorProcessor()):
    _OPENER.add_handler(_handler)


def _checked_url(url: str) -> tuple[str, int]:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https"):
        raise OutboundRefused(f"Only http and https URLs are called, not {url[:100]!r}.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise OutboundRefused(f"The URL's port is not valid: {exc}.") from exc
    if not parts.hostname:
        raise OutboundRefused(f"The URL {url[:100]!r} names no host.")
    return parts.hostname, port


def outbound_url_check(url: str) -> None:
    """Raises OutboundRefused (with a message saying why) when `url` may not be called now: not
    http(s), or, unless OUTBOUND_ALLOW_PRIVATE, a host resolving to any non-public address.
    For code that makes its own connection (the OIP backend); it checks the name as it resolves
    now, so a caller that can should send through `post`/`get`, which connect to the checked
    address itself. A name that cannot be resolved is not refused here: connecting will fail."""
    host, port = _checked_url(url)
    try:
        _resolve(host, port)
    except OutboundRefused:
        raise
    except OSError:
        pass


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    return send("POST", url, body=body, headers=headers, timeout=timeout)


def get(url: str, *, headers: dict[str, str], timeout: float) -> Outcome:
    return send("GET", url, headers=headers, timeout=timeout)


def send(method: str, url: str, *, headers: dict[str, str], timeout: float, body: bytes | None = None,
         max_bytes: int = MAX_ANSWER_BYTES) -> Outcome:
    """One request under the policy above; `max_bytes` caps what is read of the answer (an
    inference server's answer may be far larger than a webhook receiver's)."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        _checked_url(url)
        request = urllib.request.Request(url, data=body, method=method, headers={"User-Agent": USER_AGENT, **headers})
        with _OPENER.open(request, timeout=timeout) as answer:
            return Outcome(status=answer.status, reason=answer.reason or "", body=answer.read(max_bytes),
                           headers=dict(answer.headers.items()), duration_ms=took())
    except OutboundRefused as exc:
        return _refused(url, exc, took())
    except urllib.error.HTTPError as exc:
        try:
            content = exc.read(max_bytes)
        except Exception:  # the error body is a courtesy; its status is the answer
            content = b""
        if content:
            # For operators only: people see the status line (`summary`).
            logger.info("%s %s answered %s: %r", method, url, exc.code, content[:300])
        return Outcome(status=exc.code, reason=str(exc.reason or ""), body=content,
                       headers=dict(exc.headers.items()) if exc.headers else {}, duration_ms=took())
    except ValueError as exc:  # "unknown url type" and the like: retrying cannot help
        return Outcome(status=None, error=f"Invalid URL: {exc}", refused=True, duration_ms=took())
    except TimeoutError:
        return Outcome(status=None, error=f"No answer within {timeout:g} s", duration_ms=took())
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, OutboundRefused):
            return _refused(url, exc.reason, took())
        return Outcome(status=None, error=f"Could not connect: {exc.reason}", duration_ms=took())
    except (http.client.HTTPException, OSError) as exc:
        return Outcome(status=None, error=f"Connection failed: {exc.__class__.__name__}: {exc}", duration_ms=took())


def _refused(url: str, exc: OutboundRefused, duration_ms: int) -> Outcome:
    logger.warning("Refused to call %s: %s", url, exc)
    return Outcome(status=None, error=f"Refused: {exc}", refused=True, duration_ms=duration_ms)
