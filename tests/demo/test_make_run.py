"""What `make run` prints on a laptop with no broker: the migrate and seed_demo steps, run as
the Makefile runs them (manage.py, local settings, a fresh SQLite file), say nothing alarming."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_CONFIGURED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER",
                  "DJANGO_SETTINGS_MODULE")


def _manage(*args: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_make_run_loads_the_demo_without_a_broker_warning(tmp_path):
    env = {name: value for name, value in os.environ.items() if name not in NOT_CONFIGURED}
    # Only where the files go differs from `make run`: a scratch database, artifacts and media.
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", ARTIFACT_ROOT=str(tmp_path / "artifacts"),
               MEDIA_ROOT=str(tmp_path / "media"))

    output = _manage("migrate", "--noinput", env=env) + _manage("seed_demo", env=env)

    assert "Demo ready" in output
    assert "WARNING" not in output, output
