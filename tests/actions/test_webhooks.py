"""The outgoing webhook for ticket events: signed bodies, retries with backoff, every attempt
on record, and nothing lost when the receiver or the broker is down."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.actions import tasks
from apps.actions.models import DeliveryStatus, WebhookDelivery
from apps.actions.services import (
    action_item_comment_add,
    action_item_transition,
    action_item_update,
    webhook_deliveries_sweep,
    webhook_delivery_attempt,
    webhook_delivery_resend,
)
from apps.actions.services.webhooks import retry_delay
from apps.incidents.services import incident_update
from tests.accounts.factories import TeamFactory

from .factories import endpoint, ticket_world
from .fake_http import closed_port_url

pytestmark = pytest.mark.django_db

SECRET = "shh-its-a-secret"


@pytest.fixture
def world():
    return ticket_world()


@pytest.fixture
def receiver(fake_server, world):
    fake_server.endpoint = endpoint(f"{fake_server.url}/mlincidents/events", secret=SECRET)
    return fake_server


def _expected_signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_ticket_event_is_posted_signed_over_the_raw_body(world, receiver, run_on_commit):
    with run_on_commit():
        action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")

    [request] = receiver.received
    assert request.path == "/mlincidents/events"
    assert request.headers["content-type"] == "application/json"
    assert hmac.compare_digest(request.headers["x-mlincidents-signature"], _expected_signature(request.body))
    assert request.headers["x-mlincidents-event"] == "action_item.transitioned"
    body = request.json()
    assert body["id"] == request.headers["x-mlincidents-delivery"]
    assert body["event"] == "action_item.transitioned" and body["actor"] == "member"
    assert body["changes"] == {"old": {"status": "open"}, "new": {"status": "in_progress", "reason": ""}}
    ticket = body["action_item"]
    assert (ticket["id"], ticket["status"], ticket["owner"], ticket["model"]) == (
        world.item.pk, "in_progress", "member", "fraud-score")
    assert ticket["incident"]["id"] == world.incident.pk and ticket["url"].endswith(f"/actions/{world.item.pk}/")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [200]


def test_a_wrong_secret_gives_a_signature_the_receiver_rejects(world, receiver, run_on_commit):
    with run_on_commit():
        action_item_comment_add(item_id=world.item.pk, actor=world.member, body="Looking into it.")

    [request] = receiver.received
    assert request.headers["x-mlincidents-signature"] != _expected_signature(request.body, "another secret")
    # The signature covers the bytes: a receiver that re-serialises the JSON would not match.
    reserialised = json.dumps(request.json()).encode()
    assert request.headers["x-mlincidents-signature"] != _expected_signature(reserialised)


def test_edits_and_comments_are_events_too(world, receiver, run_on_commit):
    with run_on_commit():
        action_item_update(item_id=world.item.pk, actor=world.member, priority="P1")
        action_item_comment_add(item_id=world.item.pk, actor=world.member, body="PR #42")

    assert [request.json()["event"] for request in receiver.received] == ["action_item.updated",
                                                                         "action_item.commented"]
    assert receiver.received[0].json()["changes"] == {"old": {"priority": "P2"}, "new": {"priority": "P1"}}


def test_a_500_is_retried_and_the_retry_delivers(world, receiver, run_on_commit):
    receiver.answers = [(500, {"error": "busy"}), (200, None)]

    with run_on_commit():
        action_item_transition(item_id=world.item.pk, actor=world.member, to="done")

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2
    attempts = list(delivery.attempt_log.values_list("number", "status_code"))
    assert attempts == [(1, 500), (2, 200)]
    assert receiver.received[0].body == receiver.received[1].body  # the same delivery, byte for byte


def test_the_backoff_doubles_and_is_capped(settings):
    settings.TICKET_WEBHOOK_BACKOFF_SECONDS = 30
    settings.TICKET_WEBHOOK_BACKOFF_MAX_SECONDS = 3600

    assert [retry_delay(attempt) for attempt in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]


def test_a_failed_attempt_schedules_the_next_one_after_the_backoff(world, receiver, settings):
    settings.TICKET_WEBHOOK_BACKOFF_SECONDS = 30
    receiver.answers = [(503, None)]
    [delivery_id] = _delivery_ids(world)
    now = timezone.now()

    attempted = webhook_delivery_attempt(delivery_id=delivery_id, now=now)

    assert attempted.status == DeliveryStatus.PENDING and attempted.retry_in == 30
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    assert delivery.next_attempt_at == now + timedelta(seconds=30)
    assert delivery.last_status_code == 503
    # A duplicate message before the time does nothing; at the time, the second attempt runs.
    assert webhook_delivery_attempt(delivery_id=delivery_id, now=now + timedelta(seconds=10)) is None
    attempted = webhook_delivery_attempt(delivery_id=delivery_id, now=now + timedelta(seconds=30))
    assert attempted.retry_in == 60 and len(receiver.received) == 2


def _delivery_ids(world) -> list[int]:
    """A change whose deliveries are recorded but not sent (nothing runs on commit)."""
    action_item_update(item_id=world.item.pk, actor=world.member, priority="P3")
    return list(WebhookDelivery.objects.values_list("pk", flat=True))


def test_a_receiver_that_keeps_failing_is_given_up_after_the_last_attempt_and_shown(world, fake_server, settings,
                                                                                    run_on_commit, client):
    settings.TICKET_WEBHOOK_MAX_ATTEMPTS = 3
    endpoint(closed_port_url())

    with run_on_commit():
        action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3
    assert all(error.startswith("Could not connect") for error in delivery.attempt_log.values_list("error", flat=True))
    client.force_login(world.member)
    page = client.get(f"/actions/{world.item.pk}/").content.decode()
    assert "Webhook deliveries" in page and "Failed (gave up)" in page and "Could not connect" in page


def test_a_4xx_is_not_retried(world, receiver, run_on_commit):
    receiver.answers = [(410, {"message": "gone"})]

    with run_on_commit():
        action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.FAILED, 1, 410)
    assert delivery.last_error == "HTTP 410 Gone"


def test_team_members_see_only_the_status_line_of_a_failed_delivery(world, receiver, run_on_commit, client):
    # Whatever the URL reaches answers with its own content: people see none of it.
    receiver.answers = [(400, {"error": "db password is hunter2", "internal": "10.0.0.7"})]
    with run_on_commit():
        action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")

    client.force_login(world.member)
    page = client.get(f"/actions/{world.item.pk}/").content.decode()
    assert "HTTP 400 Bad Request" in page
    assert "hunter2" not in page and "10.0.0.7" not in page
    delivery = WebhookDelivery.objects.get()
    assert "hunter2" not in delivery.last_error + "".join(delivery.attempt_log.values_list("error", flat=True))


def test_a_failed_delivery_is_sent_again_on_request(world, receiver, run_on_commit):
    receiver.answers = [(404, None), (204, None)]
    with run_on_commit():
        action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED

    with run_on_commit():
        webhook_delivery_resend(delivery_id=delivery.pk, actor=world.admin)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempt_log.count() == 2


def test_a_rolled_back_change_sends_nothing(world, receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")
            raise RuntimeError("something later in the request failed")

    assert callbacks == [] and receiver.received == []
    assert not WebhookDelivery.objects.exists()


def test_with_the_broker_down_the_delivery_waits_and_the_sweep_sends_it(world, receiver, run_on_commit,
                                                                         monkeypatch, settings):
    with monkeypatch.context() as outage:
        outage.setattr(tasks.webhook_delivery_task, "delay",
                       lambda *args: (_ for _ in ()).throw(OperationalError("broker down")))
        with run_on_commit():
            item = action_item_transition(item_id=world.item.pk, actor=world.member, to="done")

    assert item.status == "done"  # the change stands
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and receiver.received == []
    # Too early: the sweep leaves a delivery that may still be on its way.
    assert webhook_deliveries_sweep().resent == 0

    later = timezone.now() + timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS + 1)
    assert webhook_deliveries_sweep(now=later).resent == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and len(receiver.received) == 1


def test_a_delivery_a_dead_worker_held_is_released_and_sent(world, receiver, settings):
    [delivery_id] = _delivery_ids(world)
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    WebhookDelivery.objects.filter(pk=delivery_id).update(status=DeliveryStatus.SENDING, next_attempt_at=long_ago)

    swept = webhook_deliveries_sweep()

    assert (swept.released, swept.resent) == (1, 1)
    assert WebhookDelivery.objects.get(pk=delivery_id).status == DeliveryStatus.DELIVERED


def test_running_a_delivery_twice_sends_it_once(world, receiver):
    [delivery_id] = _delivery_ids(world)

    tasks.webhook_delivery_task.delay(delivery_id)
    tasks.webhook_delivery_task.delay(delivery_id)

    assert len(receiver.received) == 1


def test_endpoints_hear_what_they_may(world, fake_server, run_on_commit):
    everyone = endpoint(f"{fake_server.url}/all", name="all teams")
    fraud = endpoint(f"{fake_server.url}/fraud", team=world.team, name="fraud team")
    endpoint(f"{fake_server.url}/search", team=TeamFactory(slug="search"), name="search team")
    switched_off = endpoint(f"{fake_server.url}/off", name="switched off")
    switched_off.is_active = False
    switched_off.save(update_fields=["is_active"])

    with run_on_commit():
        action_item_update(item_id=world.item.pk, actor=world.member, priority="P1")
    assert sorted(request.path for request in fake_server.received) == ["/all", "/fraud"]

    incident_update(incident_id=world.incident.pk, actor=None, restricted=True)
    with run_on_commit():
        action_item_update(item_id=world.item.pk, actor=world.member, priority="P3")
    # A restricted incident's tickets go to the team's own endpoints only.
    assert [request.path for request in fake_server.received[2:]] == ["/fraud"]
    assert {delivery.endpoint for delivery in WebhookDelivery.objects.all()} == {everyone, fraud}


def test_an_incident_restricted_before_the_delivery_is_sent_reaches_only_its_team(world, fake_server):
    everyone = endpoint(f"{fake_server.url}/all", name="all teams")
    endpoint(f"{fake_server.url}/fraud", team=world.team, name="fraud team")
    # The event is recorded while the incident is open to all; the broker is slow to send it.
    _delivery_ids(world)
    incident_update(incident_id=world.incident.pk, actor=None, restricted=True)

    for delivery_id in WebhookDelivery.objects.values_list("pk", flat=True):
        webhook_delivery_attempt(delivery_id=delivery_id)

    assert [request.path for request in fake_server.received] == ["/fraud"]
    held_back = WebhookDelivery.objects.get(endpoint=everyone)
    assert held_back.status == DeliveryStatus.FAILED and held_back.attempts == 1
    assert "restricted" in held_back.last_error
    # Sending it again by hand does not get round the restriction either.
    webhook_delivery_resend(delivery_id=held_back.pk, actor=world.admin)
    webhook_delivery_attempt(delivery_id=held_back.pk)
    assert [request.path for request in fake_server.received] == ["/fraud"]


def test_a_receiver_on_a_private_address_is_refused_unless_allowed(world, receiver, run_on_commit, settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False  # as in production: the fake receiver is on 127.0.0.1

    with run_on_commit():
        action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")

    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    # A refusal is a decision, not the receiver's trouble: it is not retried.
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    assert delivery.last_error.startswith("Refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address")


def test_admins_see_failed_deliveries_and_send_them_again(world, receiver, run_on_commit, client):
    receiver.answers = [(400, {"error": "bad signature config"}), (200, None)]
    with run_on_commit():
        action_item_transition(item_id=world.item.pk, actor=world.member, to="in_progress")
    delivery = WebhookDelivery.objects.get()
    client.force_login(world.admin)

    listing = client.get("/admin/actions/webhookdelivery/?status__exact=failed").content.decode()
    assert "action_item.transitioned" in listing and "HTTP 400 Bad Request" in listing
    with run_on_commit():
        response = client.post("/admin/actions/webhookdelivery/", {
            "action": "send_again", "_selected_action": [delivery.pk]})

    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [400, 200]
    detail = client.get(f"/admin/actions/webhookdelivery/{delivery.pk}/change/")
    assert detail.status_code == 200 and "HTTP 400 Bad Request" in detail.content.decode()
