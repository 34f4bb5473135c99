"""Intake and sign-in are rate limited (429 with Retry-After). On the PostgreSQL run the
counts live in the real Redis, as in production."""

import os
import uuid

import pytest
from django.test import Client

from tests.accounts.factories import UserFactory, token_client
from tests.registry.factories import iris_row, trained_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def limits(settings):
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": redis_url, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}}
    settings.RATE_LIMITS = {"intake_client": "3/min", "intake_address": "5/min", "sign_in_address": "2/min"}
    return settings.RATE_LIMITS


@pytest.fixture
def version():
    return trained_version()


def _report(version, n: int) -> dict:
    return {"model": version.model.name, "model_version": version.version, "features": iris_row(n),
            "output": "setosa", "title": f"case {n}"}


def test_a_token_over_its_intake_budget_gets_429_with_retry_after(limits, version):
    client = token_client(UserFactory())
    statuses = [client.post("/api/v1/reports/", _report(version, n), format="json").status_code for n in range(4)]

    assert statuses == [201, 201, 201, 429]
    refused = client.post("/api/v1/reports/", _report(version, 9), format="json")
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/throttled")
    assert "available in" in refused.json()["detail"]


def test_reading_is_not_counted_against_intake(limits, version):
    client = token_client(UserFactory())
    for _ in range(5):
        assert client.get("/api/v1/reports/").status_code == 200
    assert client.post("/api/v1/reports/", _report(version, 0), format="json").status_code == 201


def test_one_address_cannot_spread_intake_over_many_tokens(limits, version):
    statuses = [token_client(UserFactory()).post("/api/v1/reports/", _report(version, n), format="json").status_code
                for n in range(6)]

    assert statuses == [201] * 5 + [429]


def test_predictions_log_is_limited_too(limits, version):
    client = token_client(UserFactory())
    row = {"model": version.model.name, "model_version": version.version, "features": iris_row(0), "output": "x"}
    statuses = [client.post("/api/v1/predictions/", [{**row, "prediction_id": str(n)}], format="json").status_code
                for n in range(4)]

    assert statuses == [201, 201, 201, 429]


def test_sign_in_attempts_are_limited_per_address(limits):
    user = UserFactory()
    client = Client()
    attempts = [client.post("/accounts/login/", {"username": user.username, "password": "wrong"}) for _ in range(3)]

    assert [response.status_code for response in attempts] == [200, 200, 429]
    assert int(attempts[-1]["Retry-After"]) > 0
    assert "Too many sign-in attempts" in attempts[-1].content.decode()
