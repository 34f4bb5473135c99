"""A real Seldon MLServer on loopback for the `oip` backend's tests, run from its own
virtualenv (scripts/mlserver-env makes .venv-mlserver). It starts with an empty model
repository; each test trains its model, and `serve` writes it there and asks the server to
load it through the repository API, so one server process serves the whole session."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import joblib

PROJECT = Path(__file__).resolve().parents[2]
VENV = PROJECT / os.environ.get("MLSERVER_VENV", ".venv-mlserver")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _call(method: str, url: str, timeout: float = 5.0) -> int:
    request = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 — loopback
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


class RealMLServer:
    def __init__(self, root: Path):
        self.root = root
        self.http_port = _free_port()
        self.process: subprocess.Popen | None = None
        self.log = root / "mlserver.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, timeout: float = 120.0) -> RealMLServer:
        repository = self.root / "models"
        repository.mkdir(parents=True, exist_ok=True)
        settings = {"host": "127.0.0.1", "http_port": self.http_port, "grpc_port": _free_port(),
                    "metrics_port": _free_port(), "metrics_endpoint": None, "debug": False}
        (repository / "settings.json").write_text(json.dumps(settings))
        with self.log.open("wb") as log:
            # A session of its own, so that stop() ends the server and its worker processes.
            self.process = subprocess.Popen([str(VENV / "bin" / "mlserver"), "start", str(repository)],
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
        deadline = time.monotonic() + timeout
        while _call("GET", f"{self.base}/v2/health/ready") != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"MLServer did not start; its log:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.25)
        return self

    def serve(self, name: str, estimator) -> str:
        """Loads a trained estimator as model NAME, version 1, with MLServer's default
        sklearn settings; returns its endpoint."""
        folder = self.root / "models" / name
        folder.mkdir(parents=True, exist_ok=True)
        joblib.dump(estimator, folder / "model.joblib")
        (folder / "model-settings.json").write_text(json.dumps(
            {"name": name, "implementation": "mlserver_sklearn.SKLearnModel", "parameters": {"version": "1"}}))
        status = _call("POST", f"{self.base}/v2/repository/models/{name}/load", timeout=60)
        if status != 200:
            raise RuntimeError(f"MLServer could not load {name} (HTTP {status}):\n{self.log.read_text()[-3000:]}")
        return f"{self.base}/v2/models/{name}/versions/1"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
