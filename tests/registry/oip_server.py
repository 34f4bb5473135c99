"""A small Open Inference Protocol (V2) server on loopback, for the `oip` backend's quick
tests: serves a real scikit-learn iris model at /v2/models/iris/versions/1 and behaves the
way Seldon MLServer 1.7 does where the backend depends on it (tests/registry/
test_oip_mlserver.py checks the same against the real server):
- several input tensors are a table only with the request parameter `content_type: pd`;
  without it the NumPy codec answers 400 "only supports a single input tensor";
- tensors are decoded by their datatype (a null FP64 is NaN, BYTES are strings);
- an exception raised by the model answers 500 `{"error": "builtins.ValueError: …"}`, a worker
  that died answers 500 `{"error": "Worker process stopped unexpectedly …"}`;
- `outputs` in the request picks the output tensors (an unknown one is a 400); without it,
  all outputs come back (the protocol's default; MLServer's sklearn runtime sends `predict` only);
- an unknown model answers 404, on infer and on the metadata endpoint;
- it can be told to fail in the ways servers do (`mode`, `fail_next`)."""

from __future__ import annotations

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd

MODEL_PATH = "/v2/models/iris/versions/1"
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A client that gave up (the timeout test) leaves a broken pipe: expected, not news.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def _column(tensor: dict) -> pd.Series:
    data = tensor["data"]
    datatype = tensor["datatype"]
    if datatype == "FP64":
        return pd.Series(np.array(data, dtype=np.float64))  # None → NaN, "long" → ValueError
    if datatype == "INT64":
        return pd.Series(np.array(data, dtype=np.int64))
    if datatype == "BOOL":
        return pd.Series(np.array(data, dtype=bool))
    return pd.Series(data, dtype=object)


class OipServer:
    def __init__(self, model):
        self.model = model
        self.requests: list[dict] = []
        self.gets: list[str] = []
        self.fail_next = 0  # answer 503 this many times first
        self.fail_status = 503
        self.mode = "ok"  # ok | unavailable | garbage | short | slow | worker_died
        self.delay = 0.0
        self.metadata_inputs = [{"name": name, "datatype": "FP64", "shape": [-1, 1]} for name in FEATURES]
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def _send(self, status: int, answer) -> None:
                raw = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):  # noqa: N802 — the http.server API
                server.gets.append(self.path)
                self._send(*server.metadata(self.path))

            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append(body)
                self._send(*server.answer(self.path, body))

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def endpoint(self) -> str:
        return f"{self.base}{MODEL_PATH}"

    def metadata(self, path: str):
        if path == "/v2":
            return 200, {"name": "oip-double", "version": "0", "extensions": []}
        if path != MODEL_PATH:
            return 404, {"error": f"Model {path.split('/')[3]} not found"}
        return 200, {"name": "iris", "versions": ["1"], "platform": "sklearn", "inputs": self.metadata_inputs,
                     "outputs": [{"name": "label", "datatype": "BYTES", "shape": [-1, 1]},
                                 {"name": "score", "datatype": "FP64", "shape": [-1, 1]}]}

    def answer(self, path: str, body: dict):
        if path != f"{MODEL_PATH}/infer":
            name, version = path.split("/")[3], (path.split("/")[5] if "/versions/" in path else None)
            return 404, {"error": f"Model {name} with version {version} not found"}
        if self.fail_next > 0:
            self.fail_next -= 1
            return self.fail_status, {"error": "warming up"}
        if self.mode == "unavailable":
            return 503, {"error": "model not ready"}
        if self.mode == "worker_died":
            return 500, {"error": "Worker process stopped unexpectedly with exit code 9."}
        if self.mode == "garbage":
            return 200, b"<html>502 Bad Gateway</html>"
        if self.mode == "slow":
            time.sleep(self.delay)
        inputs = body["inputs"]
        if (body.get("parameters") or {}).get("content_type") != "pd" and len(inputs) > 1:
            return 400, {"error": "mlserver.codecs.errors.CodecError: There was an error encoding / decoding the "
                                  f"payload: The 'np' codec only supports a single input tensor ({len(inputs)} were "
                                  "received)"}
        known = {"label", "score"}
        wanted = [output["name"] for output in body.get("outputs") or []] or ["label", "score"]
        if set(wanted) - known:
            return 400, {"error": f"mlserver.errors.InferenceError: the model only has the outputs {sorted(known)} "
                                  f"({wanted} were requested)"}
        try:
            frame = pd.DataFrame({tensor["name"]: _column(tensor) for tensor in inputs})
            labels = self.model.predict(frame).tolist()
            scores = self.model.predict_proba(frame).max(axis=1).round(6).tolist()
        except Exception as exc:  # noqa: BLE001 — as MLServer's worker wraps a model's exception
            return 500, {"error": f"{type(exc).__module__}.{type(exc).__name__}: {exc}"}
        if self.mode == "short":
            labels = labels[:-1]
        produced = {"label": {"name": "label", "shape": [len(labels), 1], "datatype": "BYTES", "data": labels},
                    "score": {"name": "score", "shape": [len(scores), 1], "datatype": "FP64", "data": scores}}
        return 200, {"model_name": "iris", "model_version": "1", "id": body.get("id"),
                     "outputs": [produced[name] for name in wanted]}

    def __enter__(self) -> OipServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
