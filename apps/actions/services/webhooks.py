"""The outgoing webhook for ticket events, so that any tracker or automation can follow the
tickets. Each event becomes one delivery row per endpoint, written in the transaction of the
change (a rolled-back change sends nothing) and sent after the commit by a task that retries
with exponential backoff. Every attempt is recorded; a delivery that keeps failing ends as
`failed`, visible on the ticket and in the admin, and can be sent again. Bodies are signed:
`X-MLIncidents-Signature: sha256=<hex HMAC-SHA256 of the raw body with the endpoint's secret>`."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core import outbound
from apps.core.enqueue import delay_now, delay_on_commit
from apps.core.errors import Conflict, NotFound

from ..models import (
    ActionItem,
    DeliveryStatus,
    TicketWebhookEndpoint,
    WebhookDelivery,
    WebhookDeliveryAttempt,
)
from ..selectors import postmortem_id_of

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-MLIncidents-Signature"
# A retry message may arrive a little before the time the row says (clocks of the publisher
# and the worker differ); earlier than that it is a duplicate and does nothing.
CLOCK_TOLERANCE = timedelta(seconds=5)
WITHHELD = ("Not sent: the incident is now restricted (or its model belongs to another team), so this endpoint "
            "may no longer hear about its tickets.")
# Events about tickets (accepted action items).
ACCEPTED, UPDATED, TRANSITIONED, COMMENTED = ("action_item.accepted", "action_item.updated",
                                              "action_item.transitioned", "action_item.commented")


def sign(*, secret: str, body: bytes) -> str:
    """The signature header's value. Receivers recompute it over the raw body they received
    and compare in constant time (hmac.compare_digest)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _person(actor) -> str | None:
    return actor.get_username() if actor is not None and getattr(actor, "is_authenticated", False) else None


def ticket_payload(item: ActionItem) -> dict[str, Any]:
    """The ticket as receivers see it (also the body of a tracker export's links)."""
    incident = item.incident
    return {
        "id": item.pk,
        "title": item.title,
        "description": item.description,
        "kind": item.kind,
        "scope": item.scope,
        "status": item.status,
        "priority": item.priority,
        "owner": item.owner.get_username() if item.owner_id else None,
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "is_overdue": item.is_overdue,
        "wont_do_reason": item.wont_do_reason,
        "external_url": item.external_url,
        "fixed_in_version": item.fixed_in_version.version if item.fixed_in_version_id else None,
        "version": item.version,
        "url": f"{settings.SITE_URL}{reverse('actions:detail', args=[item.pk])}",
        "postmortem": postmortem_id_of(item),
        "incident": {"id": incident.pk, "title": incident.title,
                     "url": f"{settings.SITE_URL}{reverse('incidents:detail', args=[incident.pk])}"},
        "model": incident.model.name,
    }


def _audience(item: ActionItem) -> Q:
    """The endpoints that may hear about the ticket now. A restricted incident's tickets go
    only to its team's own endpoints."""
    team_id = item.incident.model.team_id
    audience = Q(team_id=team_id) if team_id else Q(pk__in=[])
    if not item.incident.restricted:
        audience |= Q(team__isnull=True)
    return audience


def _endpoints_for(item: ActionItem) -> list[TicketWebhookEndpoint]:
    return list(TicketWebhookEndpoint.objects.filter(_audience(item), is_active=True))


def _may_still_hear(delivery: WebhookDelivery) -> bool:
    """Asked again when the delivery is sent: the incident may have been restricted (or the
    model given to another team) since the event, and what the endpoint may hear is decided by
    the incident as it is now. A delivery whose ticket was deleted is held back: nobody can
    tell any more whether its incident is restricted."""
    item = (ActionItem.objects.select_related("incident__model").filter(pk=delivery.item_id).first()
            if delivery.item_id else None)
    if item is None:
        return False
    return TicketWebhookEndpoint.objects.filter(_audience(item), pk=delivery.endpoint_id).exists()


def ticket_event(*, item: ActionItem, event: str, actor, changes: dict[str, Any] | None = None) -> list[int]:
    """Records the event for every endpoint that listens, inside the caller's transaction, and
    sends each delivery once that transaction commits. Returns the delivery ids."""
    endpoints = _endpoints_for(item)
    if not endpoints:
        return []
    now = timezone.now()
    ticket = ticket_payload(item)
    created = []
    for endpoint in endpoints:
        delivery_id = uuid.uuid4()
        body = json.dumps({"id": str(delivery_id), "event": event, "occurred_at": now.isoformat(),
                           "actor": _person(actor), "changes": changes or {}, "action_item": ticket},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        created.append(WebhookDelivery.objects.create(uuid=delivery_id, endpoint=endpoint, item=item, event=event,
                                                      body=body, next_attempt_at=now, created_at=now))
    from ..tasks import webhook_delivery_task

    for delivery in created:
        delay_on_commit(webhook_delivery_task, delivery.pk)
    return [delivery.pk for delivery in created]


def retry_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt number `attempt` (1, 2, …): the base doubled each
    time, capped."""
    base = settings.TICKET_WEBHOOK_BACKOFF_SECONDS
    return float(min(base * 2 ** (attempt - 1), settings.TICKET_WEBHOOK_BACKOFF_MAX_SECONDS))


@dataclass(frozen=True)
class Attempted:
    status: str
    retry_in: float | None = None


def webhook_delivery_attempt(*, delivery_id: int, now: datetime | None = None) -> Attempted | None:
    """Sends one pending delivery once. Safe to call twice: the row is claimed with a
    compare-and-set, so a duplicate message (a sweep's, a redelivery) finds it taken or not yet
    due and does nothing (None). On a failure worth retrying the row goes back to pending with
    its next attempt's time, which the caller (the task) schedules."""
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now + CLOCK_TOLERANCE,
    ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, next_attempt_at=now)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    # Neither is worth retrying: both are decisions, not a receiver's trouble.
    sendable = endpoint.is_active and _may_still_hear(delivery)
    if not endpoint.is_active:
        outcome = outbound.Outcome(status=None, error="The endpoint is switched off.")
    elif not sendable:
        outcome = outbound.Outcome(status=None, error=WITHHELD)
    else:
        body = delivery.body.encode()
        outcome = outbound.post(endpoint.url, body=body, timeout=settings.TICKET_WEBHOOK_TIMEOUT_SECONDS, headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret=endpoint.secret, body=body),
            "X-MLIncidents-Event": delivery.event,
            "X-MLIncidents-Delivery": str(delivery.uuid),
        })
    WebhookDeliveryAttempt.objects.create(delivery=delivery, number=delivery.attempts, at=now,
                                          status_code=outcome.status, error=outcome.error or (
                                              "" if outcome.ok else outcome.summary()),
                                          duration_ms=outcome.duration_ms)
    fields: dict[str, Any] = {"last_status_code": outcome.status, "last_error": "" if outcome.ok else outcome.summary()}
    retry_in = None
    if outcome.ok:
        fields |= {"status": DeliveryStatus.DELIVERED, "delivered_at": timezone.now()}
    elif sendable and outcome.retryable and delivery.attempts < settings.TICKET_WEBHOOK_MAX_ATTEMPTS:
        retry_in = retry_delay(delivery.attempts)
        fields |= {"status": DeliveryStatus.PENDING, "next_attempt_at": now + timedelta(seconds=retry_in)}
    else:
        fields |= {"status": DeliveryStatus.FAILED}
        logger.warning("Webhook delivery %s to %s failed for good after %s attempt(s): %s", delivery.pk,
                       endpoint.url, delivery.attempts, fields["last_error"])
    WebhookDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING).update(**fields)
    return Attempted(status=fields["status"], retry_in=retry_in)


@transaction.atomic
def webhook_delivery_resend(*, delivery_id: int, actor) -> WebhookDelivery:
    """Sends a failed delivery again (after the receiver was fixed), with a fresh set of attempts."""
    delivery = WebhookDelivery.objects.select_for_update().filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound(f"There is no webhook delivery {delivery_id}.")
    if delivery.status != DeliveryStatus.FAILED:
        raise Conflict(f"Delivery {delivery_id} is {delivery.status}: only a failed delivery is sent again.")
    old = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit_record(actor=actor, action=AuditAction.WEBHOOK_DELIVERY_RESEND, target=delivery, old=old,
                 new={"status": delivery.status})
    from ..tasks import webhook_delivery_task

    delay_on_commit(webhook_delivery_task, delivery.pk)
    return delivery


@dataclass(frozen=True)
class Swept:
    resent: int
    released: int


def webhook_deliveries_sweep(*, now: datetime | None = None, limit: int = 1000) -> Swept:
    """Sends again what no task is going to send: deliveries still pending well after their
    time (the broker was down when they were queued, or a retry message was lost), and
    deliveries a worker claimed and died with (still `sending` past the task time limit)."""
    now = now or timezone.now()
    released = WebhookDelivery.objects.filter(
        status=DeliveryStatus.SENDING, next_attempt_at__lt=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT),
    ).update(status=DeliveryStatus.PENDING)
    overdue = now - timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS)
    ids = list(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lt=overdue)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    from ..tasks import webhook_delivery_task

    resent = sum(delay_now(webhook_delivery_task, delivery_id) for delivery_id in ids)
    return Swept(resent=resent, released=released)
