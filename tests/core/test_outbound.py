"""The outbound client: URLs admins set are called only on public addresses (unless
OUTBOUND_ALLOW_PRIVATE), the name is resolved when the request is sent and the connection
goes to the address that was checked, and no redirect is followed."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.core import outbound
from apps.core.outbound import OutboundRefused, outbound_url_check


@pytest.fixture
def private_refused(settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False


@pytest.fixture
def server():
    """A local receiver recording (method, path, Host header); /moved redirects to /landed."""
    seen: list[tuple[str, str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append((self.command, self.path, self.headers["Host"]))
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/landed")
            else:
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST = _answer  # noqa: N815 — the http.server API

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_port, seen
    httpd.shutdown()
    httpd.server_close()


def _resolving(monkeypatch, answers: dict[str, list[str]]) -> list[str]:
    """Makes names resolve to the given addresses; returns the log of lookups."""
    lookups: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        return [(socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (address, port, 0, 0) if ":" in address else (address, port)) for address in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


@pytest.mark.parametrize(("url", "why"), [
    ("http://127.0.0.1:8000/hook", "a loopback address"),
    ("http://localhost/hook", "a loopback address"),
    ("http://[::1]/hook", "a loopback address"),
    ("http://[::ffff:127.0.0.1]/hook", "a loopback address"),
    ("http://169.254.169.254/latest/meta-data/", "a link-local address"),
    ("https://10.1.2.3/hook", "a private address"),
    ("https://192.168.0.10/hook", "a private address"),
    ("http://100.64.0.1/hook", "not a public address"),
    ("http://0.0.0.0:8000/hook", "a loopback address"),
])
def test_non_public_addresses_are_refused_naming_why(private_refused, url, why):
    with pytest.raises(OutboundRefused, match=why) as refused:
        outbound_url_check(url)
    assert "OUTBOUND_ALLOW_PRIVATE" in str(refused.value)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/", "http:///x"])
def test_only_http_and_https_urls_with_a_host_are_called(url):
    with pytest.raises(OutboundRefused):
        outbound_url_check(url)


def test_every_address_a_name_resolves_to_is_checked(private_refused, monkeypatch):
    _resolving(monkeypatch, {"hooks.example.com": ["93.184.216.34", "10.0.0.5"],
                             "public.example.com": ["93.184.216.34"]})

    with pytest.raises(OutboundRefused, match="10.0.0.5, a private address"):
        outbound_url_check("https://hooks.example.com/x")
    assert outbound_url_check("https://public.example.com/x") is None


def test_a_refused_address_is_not_called_and_not_worth_retrying(private_refused, server):
    port, seen = server

    outcome = outbound.post(f"http://127.0.0.1:{port}/hook", body=b"{}", headers={}, timeout=5)

    assert seen == []
    assert outcome.status is None and not outcome.retryable
    assert outcome.summary().startswith("Refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address")


def test_the_name_is_resolved_once_and_the_connection_goes_to_the_checked_address(monkeypatch, server):
    # A rebinding name would answer differently to a second lookup: there is none.
    port, seen = server
    lookups = _resolving(monkeypatch, {"receiver.example": ["127.0.0.1"]})

    outcome = outbound.post(f"http://receiver.example:{port}/hook", body=b"{}", headers={}, timeout=5)

    assert outcome.ok and lookups == ["receiver.example"]
    assert seen == [("POST", "/hook", f"receiver.example:{port}")]  # the Host is still the name


def test_a_name_that_turns_private_is_refused_when_the_request_is_sent(private_refused, monkeypatch, server):
    port, seen = server
    _resolving(monkeypatch, {"receiver.example": ["127.0.0.1"]})

    outcome = outbound.get(f"http://receiver.example:{port}/hook", headers={}, timeout=5)

    assert seen == [] and outcome.summary().startswith("Refused: receiver.example resolves to 127.0.0.1")


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_a_redirect_is_answered_not_followed(server, method):
    port, seen = server

    outcome = outbound.send(method, f"http://127.0.0.1:{port}/moved", body=b"{}" if method == "POST" else None,
                            headers={}, timeout=5)

    assert (outcome.status, outcome.summary()) == (302, "HTTP 302 Found")
    assert [path for _, path, _ in seen] == ["/moved"]
