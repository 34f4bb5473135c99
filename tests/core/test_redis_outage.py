"""Intake and sign-in work while Redis is down: a person's report is accepted and kept whatever
the broker does. Redis here is a URL on a port where nothing listens, used by Django's real
RedisCache (the rate limits' counts) and by Celery (the broker), through the whole middleware
stack. Rate limits fall back to counts in this process and say so once in the log."""

from __future__ import annotations

import logging
import socket

import pytest
from axes.models import AccessAttempt
from django.test import Client

from apps.core import throttling
from apps.feedback.models import Feedback
from apps.forensics.models import ReportForensics
from apps.predictions.models import Prediction
from apps.reports.models import Report
from mlincidents.celery import app as celery_app
from tests.accounts.factories import UserFactory, token_client
from tests.registry.factories import iris_row, trained_version

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free once the probe closes: nothing listens there


@pytest.fixture
def redis_down(settings):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                                   "KEY_PREFIX": "mlincidents"}}
    settings.RATE_LIMITS = {"intake_client": "3/min", "intake_address": "100/min", "sign_in_address": "2/min"}
    previous = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    celery_app.conf.update(task_always_eager=False, broker_url=url)
    throttling.rate_limit_counts.reset()
    try:
        yield url
    finally:
        celery_app.conf.update(previous)
        throttling.rate_limit_counts.reset()


@pytest.fixture
def version():
    return trained_version()


def _report(version, n: int) -> dict:
    return {"model": version.model.name, "model_version": version.version, "features": iris_row(n),
            "output": "setosa", "title": f"case {n}"}


def test_a_report_is_accepted_and_kept_and_its_forensics_wait_for_the_broker(redis_down, version, run_on_commit):
    client = token_client(UserFactory())
    with run_on_commit():  # the forensics task is sent after the commit, to the broker that is down
        response = client.post("/api/v1/reports/", _report(version, 0), format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 201
    report = Report.objects.get(pk=response.json()["id"])
    assert ReportForensics.objects.get(report=report).status == "queued"  # the sweep sends it when Redis is back


def test_logging_predictions_and_giving_feedback_work(redis_down, version):
    client = token_client(UserFactory())
    row = {"prediction_id": "p-1", "model": version.model.name, "model_version": version.version,
           "features": iris_row(0), "output": "setosa"}

    logged = client.post("/api/v1/predictions/", [row], format="json")
    feedback = client.post("/api/v1/feedback/", {"model": version.model.name, "prediction_id": "p-1",
                                                 "verdict": "up"}, format="json")

    assert (logged.status_code, logged.json()["created"]) == (201, 1)
    assert feedback.status_code == 201
    assert Prediction.objects.count() == 1 and Feedback.objects.count() == 1


def test_rate_limits_still_hold_per_process_and_the_outage_is_logged_once(redis_down, version, caplog):
    client = token_client(UserFactory())
    with caplog.at_level(logging.WARNING, logger="apps.core.throttling"):
        statuses = [client.post("/api/v1/reports/", _report(version, n), format="json").status_code
                    for n in range(4)]

    assert statuses == [201, 201, 201, 429]
    assert Report.objects.count() == 3
    warnings = [record for record in caplog.records if record.name == "apps.core.throttling"]
    assert len(warnings) == 1
    assert "per process" in warnings[0].getMessage()


def test_signing_in_works_and_failed_attempts_still_count(redis_down):
    user = UserFactory(username="ada")
    user.set_password("right-password")
    user.save()
    client = Client()

    assert client.get("/accounts/login/").status_code == 200
    wrong = client.post("/accounts/login/", {"username": "ada", "password": "wrong"})
    # The lockout (django-axes) counts failures in the database, not in Redis.
    assert wrong.status_code == 200 and AccessAttempt.objects.get(username="ada").failures_since_start == 1
    right = client.post("/accounts/login/", {"username": "ada", "password": "right-password"})
    throttled = client.post("/accounts/login/", {"username": "ada", "password": "wrong"})

    assert right.status_code == 302
    assert client.get("/reports/").status_code == 200  # signed in
    assert throttled.status_code == 429  # the per-address limit (2/min) still counts, in this process


def test_readyz_answers_503_naming_redis(redis_down, client):
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["down"] == ["broker"]
    assert "redis" in response.json()["reasons"]["broker"]
