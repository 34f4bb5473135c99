"""Tells a model's chat channel when one of its incidents opens, is resolved or comes back. Sent
from a task after the change commits, so a slow or dead webhook never delays nor undoes the
change. The channel (`ModelWebhook`) and the posting are the notifications app's, below."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from apps.notifications.models import ModelWebhook
from apps.notifications.services import WebhookRefused, webhook_post

from .models import Incident

logger = logging.getLogger(__name__)

OPENED, RESOLVED, REOPENED = "opened", "resolved", "reopened"


def incident_notify_on_commit(*, incident: Incident, event: str) -> None:
    if event not in (OPENED, RESOLVED, REOPENED):
        raise ValueError(f"Unknown event {event!r}")
    if not ModelWebhook.objects.filter(model_id=incident.model_id).exists():
        return
    from .tasks import incident_notify_task  # a service enqueuing its own app's task

    incident_id = incident.pk
    transaction.on_commit(lambda: _send_task(incident_notify_task, incident_id, event))


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
