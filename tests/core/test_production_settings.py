import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests in this process; a deployment never has it.
    unwanted = ("DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in unwanted}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env=clean | {"DJANGO_SETTINGS_MODULE": "mlincidents.settings.production"} | env)


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", DATABASE_URL="sqlite:////tmp/unused.sqlite3")
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_production_passes_the_deployment_checklist_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING",
                     DJANGO_SECRET_KEY=secrets.token_urlsafe(60), DATABASE_URL="sqlite:////tmp/unused.sqlite3")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_half_a_github_tracker_configuration():
    result = _manage("check", DJANGO_SECRET_KEY=secrets.token_urlsafe(60), DATABASE_URL="sqlite:////tmp/unused.sqlite3",
                     GITHUB_TRACKER_REPO="acme/fraud-models", GITHUB_TRACKER_TOKEN="")
    assert result.returncode != 0
    assert "Set both GITHUB_TRACKER_REPO and GITHUB_TRACKER_TOKEN" in result.stderr

    malformed = _manage("check", DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
                        DATABASE_URL="sqlite:////tmp/unused.sqlite3", GITHUB_TRACKER_REPO="https://github.com/acme",
                        GITHUB_TRACKER_TOKEN="t")
    assert malformed.returncode != 0 and "must be owner/name" in malformed.stderr
