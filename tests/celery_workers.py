"""Real `celery worker` processes for the tests that go the way production goes: a worker
process on the real Redis broker and the real PostgreSQL database, on a queue of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from mlincidents.celery import app as celery_app

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    """Starts `celery worker` processes on a queue of their own and stops them at the end."""

    def __init__(self, settings, tmp_path):
        if connection.vendor != "postgresql":
            pytest.skip("needs the PostgreSQL run: another process cannot see SQLite's in-memory test database")
        self.redis_url = os.environ.get("REDIS_URL")
        if not self.redis_url:
            pytest.fail("REDIS_URL is not set: the PostgreSQL run must have the Redis broker (see .ci/run)")
        # A queue of its own, so parallel test processes and other runs never take each other's tasks.
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        if celery_app.conf.broker_url != self.redis_url:
            pytest.fail(f"Celery's broker is {celery_app.conf.broker_url}, expected REDIS_URL {self.redis_url}")
        self.saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_default_queue")}
        celery_app.conf.update(task_always_eager=False, task_default_queue=self.queue)
        self.settings, self.tmp_path = settings, tmp_path
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, **extra_env: str) -> subprocess.Popen:
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "mlincidents.settings.test",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "ARTIFACT_ROOT": str(self.settings.ARTIFACT_ROOT),
            # What the worker itself enqueues goes through the broker too, onto this queue, as in
            # production (the test settings would otherwise run it inline in the worker).
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
        } | extra_env
        log_path = self.tmp_path / f"worker-{len(self.started)}.log"
        with log_path.open("w") as log:
            worker = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "mlincidents", "worker", "-Q", self.queue, "--pool", "solo",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO",
                 "-n", f"{self.queue}-{len(self.started)}@%h"],
                cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        self.started.append((worker, log_path))
        return worker

    def stop_all(self) -> None:
        for worker, log_path in self.started:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    worker.kill()
            print(f"--- {log_path.name}\n{log_path.read_text()[-3000:]}")
        celery_app.conf.update(self.saved)
