"""Tells a model's chat channel when an incident opens or is resolved. Sent from a task after
the change commits, so a slow or dead webhook never delays nor undoes the change."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.urls import reverse

from apps.core import outbound
from apps.incidents.hooks import OPENED, REOPENED, RESOLVED
from apps.incidents.models import Incident

from .models import ModelWebhook

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5


class WebhookTemporarilyFailed(Exception):
    """A 5xx or 429: worth retrying later."""


class WebhookRefused(Exception):
    """A 4xx other than 429, a redirect, or an address that may not be called (code None): the
    URL or the message is wrong, and retrying will not help."""

    def __init__(self, message: str, *, code: int | None):
        super().__init__(message)
        self.code = code


def incident_announced_receiver(sender, *, incident_id: int, event: str, **kwargs) -> None:
    """Connected to apps.incidents.hooks.incident_announced (sent after the change commits):
    queues the channel message when the incident's model has a webhook."""
    if event not in (OPENED, RESOLVED, REOPENED):
        return
    if not ModelWebhook.objects.filter(model__incidents__pk=incident_id).exists():
        return
    from .tasks import incident_notify_task  # a service enqueuing its own app's task

    _send_task(incident_notify_task, incident_id, event)


def _send_task(task, incident_id: int, event: str) -> None:
    try:
        task.delay(incident_id, event)
    except Exception:  # a broker outage must not break the request that changed the incident
        logger.exception("Could not queue the %s notification for incident %s", event, incident_id)


def incident_message(*, incident: Incident, event: str) -> str:
    link = f"{settings.SITE_URL}{reverse('incidents:detail', args=[incident.pk])}"
    if event == OPENED:
        return f":rotating_light: New incident INC-{incident.pk} on {incident.model.name}: {incident.title} — {link}"
    if event == REOPENED:
        return (f":repeat: INC-{incident.pk} on {incident.model.name} is back (a regression after its fix): "
                f"{incident.title} — {link}")
    return f":white_check_mark: INC-{incident.pk} on {incident.model.name} is resolved: {incident.title} — {link}"


def incident_notify(*, incident_id: int, event: str) -> bool:
    """Posts the message; False when there is nothing to send. Raises WebhookTemporarilyFailed
    for answers worth retrying; a 4xx or a refused address is logged and dropped (the URL is
    wrong: retrying will not help). Restricted incidents are never announced."""
    incident = Incident.objects.select_related("model").filter(pk=incident_id).first()
    webhook = ModelWebhook.objects.filter(model_id=incident.model_id).first() if incident else None
    if webhook is None or incident.restricted:
        return False
    if (event in (OPENED, REOPENED) and not webhook.on_open) or (event == RESOLVED and not webhook.on_resolve):
        return False
    try:
        return webhook_post(url=webhook.url, text=incident_message(incident=incident, event=event))
    except WebhookRefused as exc:
        logger.error("Webhook for %s refused the %s message (%s); check its URL", incident.model, event, exc)
        return False


def webhook_post(*, url: str, text: str) -> bool:
    """Posts `{"text": …}` to a chat webhook through the outbound client (no redirects, no
    private addresses unless allowed). Raises WebhookTemporarilyFailed for what is worth
    retrying (no answer, 5xx, 429) and WebhookRefused for the rest (another 4xx, a redirect,
    a refused address)."""
    outcome = outbound.post(url, body=json.dumps({"text": text}).encode(), timeout=TIMEOUT_SECONDS,
                            headers={"Content-Type": "application/json"})
    if outcome.ok:
        return True
    if outcome.retryable:
        raise WebhookTemporarilyFailed(f"{url}: {outcome.summary()}")
    raise WebhookRefused(f"{url}: {outcome.summary()}", code=outcome.status)
