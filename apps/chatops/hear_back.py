"""Reporters who filed from a chat hear back there when the incident moves (triaged, resolved,
declined, reopened): through the command's response_url while it lives — Slack keeps it for
30 minutes — and after that in the model's channel (its notifications webhook) with a mention
of the person. A restricted incident is never told in a channel; nothing is said where the
model has no webhook. Each change is told once per report: the origin row is claimed with a
compare-and-set on the change's time before posting, and released if the post failed in a
way worth retrying."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.core import outbound
from apps.incidents.for_reporters import change_for_reporter
from apps.incidents.hooks import StatusChange
from apps.incidents.models import Incident
from apps.notifications.models import ModelWebhook
from apps.notifications.services import WebhookRefused, WebhookTemporarilyFailed, webhook_post
from apps.reports.models import Channel

from .follow_up import TIMEOUT_SECONDS, FollowUpNotDelivered, response_url_allowed
from .models import ChatOrigin

logger = logging.getLogger(__name__)

# Slack: "use a response_url up to five times within 30 minutes". A margin for the queue.
RESPONSE_URL_LIFETIME = timedelta(minutes=29)


def chat_origins_to_tell(*, change: StatusChange) -> list[int]:
    if not change.event:
        return []
    return list(ChatOrigin.objects.filter(report__incident_id=change.incident_id).values_list("pk", flat=True))


def _mention(origin: ChatOrigin) -> str:
    if origin.platform == Channel.SLACK and origin.user_id:
        return f"<@{origin.user_id}>"
    return f"@{origin.user_name}" if origin.user_name else "Whoever reported it"


def chat_status_tell(*, origin_id: int, change: dict) -> str | None:
    """Tells one chat reporter about one change; returns where ("response_url", "channel") or
    None when nothing was said (already told, nowhere to say it, restricted)."""
    at = datetime.fromisoformat(change["at"])
    origin = ChatOrigin.objects.select_related("report").filter(pk=origin_id).first()
    if origin is None:
        return None
    previous = origin.told_change_at
    claimed = (ChatOrigin.objects.filter(pk=origin_id)
               .filter(Q(told_change_at__isnull=True) | Q(told_change_at__lt=at)).update(told_change_at=at))
    if not claimed:
        return None
    report = origin.report
    incident = Incident.objects.select_related("model").get(pk=report.incident_id)
    what = change_for_reporter(change["event"], fixed_in_version=change.get("fixed_in_version"),
                               note=change.get("note") or "")
    link = f"{settings.SITE_URL}{report.get_absolute_url()}"
    try:
        fresh = timezone.now() - origin.received_at < RESPONSE_URL_LIFETIME
        if fresh and origin.response_url and response_url_allowed(platform=origin.platform, url=origin.response_url):
            _post_response_url(origin.response_url, f"WTF-{report.pk} “{report.title}”: {what}. {link}")
            return "response_url"
        webhook = ModelWebhook.objects.filter(model_id=incident.model_id).first()
        if webhook is None or incident.restricted:
            return None
        webhook_post(url=webhook.url, text=f"{_mention(origin)} your report WTF-{report.pk} “{report.title}”: "
                                            f"{what}. {link}")
        return "channel"
    except (WebhookTemporarilyFailed, FollowUpNotDelivered, OSError):
        # Let the task try again: this change is not told yet.
        ChatOrigin.objects.filter(pk=origin_id, told_change_at=at).update(told_change_at=previous)
        raise
    except WebhookRefused as error:
        logger.error("The channel of %s refused the answer to WTF-%s (%s); check its webhook", incident.model,
                     report.pk, error)
        return None


def _post_response_url(url: str, text: str) -> None:
    outcome = outbound.post(url, body=json.dumps({"response_type": "ephemeral", "replace_original": False,
                                                  "text": text}).encode(),
                            headers={"Content-Type": "application/json"}, timeout=TIMEOUT_SECONDS)
    if outcome.ok:
        return
    if outcome.retryable:
        raise FollowUpNotDelivered(f"The chat did not take the answer: {outcome.summary()}")
    logger.warning("The chat refused the answer: %s", outcome.summary())
