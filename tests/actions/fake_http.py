"""A local HTTP server standing in for a webhook receiver or GitHub's API: it records every
request exactly as received (method, path, headers, raw body) and answers from a script."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class FakeServer:
    url: str = ""
    received: list[Received] = field(default_factory=list)
    # What to answer each POST, in order; the last one repeats. (status, JSON body or None)
    answers: list[tuple[int, object]] = field(default_factory=lambda: [(200, None)])
    # Checks the test wants on each request: a function returning an answer (status, body) — an
    # error, or what a GET finds — or None to go on with the scripted answers.
    check: object = None

    def answer_for(self, request: Received) -> tuple[int, object]:
        if self.check is not None:
            answered = self.check(request)
            if answered is not None:
                return answered
        if request.method != "POST":
            return 405, {"message": "Method not allowed"}
        posts = sum(1 for seen in self.received if seen.method == "POST")
        return self.answers[min(posts - 1, len(self.answers) - 1)]


def start(server_state: FakeServer):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 — the http.server API
            self._answer("GET")

        def do_POST(self):  # noqa: N802
            self._answer("POST")

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Received(method=method, path=self.path, headers={k.lower(): v for k, v in self.headers.items()},
                               body=self.rfile.read(length))
            server_state.received.append(request)
            status, body = server_state.answer_for(request)
            payload = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    server_state.url = f"http://127.0.0.1:{httpd.server_port}"
    return httpd


def closed_port_url() -> str:
    """An address where nothing listens: a receiver that is down."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"
