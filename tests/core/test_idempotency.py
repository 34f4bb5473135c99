import pytest
from django.utils import timezone

from apps.core.idempotency import idempotency_records_purge
from apps.core.models import IdempotencyRecord
from apps.reports.models import Report
from tests.core.factories import answered_key
from tests.registry.factories import iris_row, trained_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def body():
    trained_version()
    return {"model": "iris", "model_version": "1.0", "features": iris_row(0), "output": "setosa", "title": "Odd"}


def _post(client, body, key):
    return client.post("/api/v1/reports/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_repeated_key_returns_the_first_response_and_creates_nothing(api_client, body):
    first = _post(api_client, body, "retry-me")
    again = _post(api_client, body, "retry-me")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Report.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422(api_client, body):
    _post(api_client, body, "k1")
    response = _post(api_client, body | {"title": "Something else"}, "k1")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert Report.objects.count() == 1


def test_a_failed_request_does_not_burn_the_key(api_client, body):
    assert _post(api_client, body | {"model_version": "9"}, "k2").status_code == 404
    assert _post(api_client, body, "k2").status_code == 201


def test_keys_expire_after_a_day(api_client, body):
    _post(api_client, body, "old")
    IdempotencyRecord.objects.update(created_at=timezone.now() - timezone.timedelta(hours=25))
    recent = answered_key(api_client.user, "recent", age=timezone.timedelta(hours=23))
    assert idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.all()) == [recent]
    assert _post(api_client, body, "old").status_code == 201
    assert Report.objects.count() == 2
