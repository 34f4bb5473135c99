"""Ticket webhook deliveries through a real `celery worker` process on the real Redis broker
and PostgreSQL — the path production takes: the retry after a 500 is a message with a
countdown, and a delivery queued while the broker was down is sent by the sweep."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.actions import tasks
from apps.actions.models import DeliveryStatus, WebhookDelivery
from apps.actions.services import action_item_comment_add, action_item_transition, webhook_deliveries_sweep
from apps.actions.services.webhooks import COMMENTED

from .factories import endpoint, ticket_world

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SECRET = "worker-test-secret"


def _wait_for_status(delivery_id: int, status: str, timeout: float = 60) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        if delivery.status == status:
            return delivery
        time.sleep(0.2)
    raise AssertionError(f"delivery {delivery_id} still {delivery.status} after {timeout}s")


def test_a_500_is_retried_after_the_backoff_by_a_real_worker(workers, fake_server):
    # The worker sends its retry through the broker, with its countdown, as in production.
    worker = workers.start(TICKET_WEBHOOK_BACKOFF_SECONDS="1")
    fake_server.answers = [(500, {"error": "deploying"}), (200, None)]
    world = ticket_world()
    endpoint(f"{fake_server.url}/events", secret=SECRET)

    action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")  # commits: sent

    delivery = _wait_for_status(WebhookDelivery.objects.get().pk, DeliveryStatus.DELIVERED)
    attempts = list(delivery.attempt_log.order_by("number").values_list("status_code", "at"))
    assert [code for code, _ in attempts] == [500, 200]
    assert attempts[1][1] - attempts[0][1] >= timedelta(seconds=0.9)  # waited for the backoff
    for request in fake_server.received:
        expected = "sha256=" + hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers["x-mlincidents-signature"] == expected
    assert worker.poll() is None


def test_a_delivery_queued_while_the_broker_was_down_is_sent_by_the_sweep(workers, fake_server, monkeypatch,
                                                                         settings):
    workers.start()
    world = ticket_world()
    endpoint(f"{fake_server.url}/events", secret=SECRET)
    with monkeypatch.context() as outage:
        outage.setattr(tasks.webhook_delivery_task, "delay",
                       lambda *args: (_ for _ in ()).throw(OperationalError("broker down")))
        action_item_transition(item_id=world.item.pk, actor=world.member, to="done")
    delivery = WebhookDelivery.objects.get()
    # With the broker back, the next event reaches the worker and is sent: the worker is up and
    # has emptied the queue, and the one queued during the outage is still kept, waiting.
    action_item_comment_add(item_id=world.item.pk, actor=world.member, body="Broker is back")
    _wait_for_status(WebhookDelivery.objects.exclude(pk=delivery.pk).get().pk, DeliveryStatus.DELIVERED)
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.PENDING
    assert [request.json()["event"] for request in fake_server.received] == [COMMENTED]

    later = timezone.now() + timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS + 1)
    assert webhook_deliveries_sweep(now=later).resent == 1
    _wait_for_status(delivery.pk, DeliveryStatus.DELIVERED)
    assert [request.json()["id"] for request in fake_server.received].count(str(delivery.uuid)) == 1
