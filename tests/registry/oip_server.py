"""A small Open Inference Protocol (V2) server on loopback, for the `oip` backend's tests:
serves a real scikit-learn iris model at POST /v2/models/iris/versions/1/infer and can be
told to fail in the ways real servers do."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that gave up (the timeout test) leaves a broken pipe: expected, not news.
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class OipServer:
    def __init__(self, model):
        self.model = model
        self.requests: list[dict] = []
        self.fail_next = 0  # answer 503 this many times first
        self.mode = "ok"  # ok | unavailable | garbage | short | slow
        self.delay = 0.0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def do_POST(self):  # noqa: N802 — the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                status, answer = server.answer(self.path, body)
                raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v2/models/iris/versions/1"

    def answer(self, path: str, body: dict):
        if path != "/v2/models/iris/versions/1/infer":
            return 404, {"error": f"no model at {path}"}
        if self.fail_next > 0:
            self.fail_next -= 1
            return 503, {"error": "warming up"}
        if self.mode == "unavailable":
            return 503, {"error": "model not ready"}
        if self.mode == "garbage":
            return 200, b"<html>502 Bad Gateway</html>"
        if self.mode == "slow":
            time.sleep(self.delay)
        for tensor in body["inputs"]:
            if tensor["datatype"] not in ("FP64", "INT64") or any(v is None for v in tensor["data"]):
                return 400, {"error": f"input '{tensor['name']}' must be FP64, got {tensor['datatype']}"}
        frame = pd.DataFrame({tensor["name"]: tensor["data"] for tensor in body["inputs"]})
        labels = self.model.predict(frame).tolist()
        scores = self.model.predict_proba(frame).max(axis=1).round(6).tolist()
        if self.mode == "short":
            labels = labels[:-1]
        return 200, {"model_name": "iris", "model_version": "1", "id": body.get("id"), "outputs": [
            {"name": "label", "shape": [len(labels)], "datatype": "BYTES", "data": labels},
            {"name": "score", "shape": [len(scores)], "datatype": "FP64", "data": scores},
        ]}

    def __enter__(self) -> OipServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
