"""After a chat report is filed, reproduce it and tell the person in the channel what came
out, through the command's response_url (Slack and Mattermost both offer one)."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from apps.core import outbound
from apps.replays.models import ReplayStatus
from apps.replays.services import replay_run, replay_start
from apps.reports.models import Channel, Report

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5


class FollowUpNotDelivered(ConnectionError):
    """No answer, a 5xx or a 429 from the response_url: the task tries again (it retries
    OSErrors). A refused address or another 4xx is logged and dropped: retrying cannot help."""


def response_url_allowed(*, platform: str, url: str) -> bool:
    """Only the platform's own hosts: the URL comes in the request, and the server must not
    be talked into posting to arbitrary addresses."""
    parts = urlsplit(url or "")
    if parts.scheme != "https" and not (settings.DEBUG and parts.scheme == "http"):
        return False
    host = (parts.hostname or "").lower()
    if platform == Channel.SLACK:
        return host in settings.SLACK_RESPONSE_HOSTS
    return host in settings.MATTERMOST_RESPONSE_HOSTS


def chat_follow_up_on_commit(*, report: Report, platform: str, response_url: str) -> None:
    if not response_url_allowed(platform=platform, url=response_url):
        return
    from .tasks import chat_follow_up_task

    report_id = report.pk

    def send() -> None:
        try:
            chat_follow_up_task.delay(report_id, response_url)
        except Exception:  # the report is filed; only the follow-up message is lost
            logger.exception("Could not queue the chat follow-up for report %s", report_id)

    transaction.on_commit(send)


def verdict_message(report: Report, replay) -> str:
    if replay.status != ReplayStatus.SUCCEEDED:
        return f"WTF-{report.pk}: I could not replay it ({replay.error_message or replay.status})."
    result = replay.results.filter(report=report).first()
    if result is None or result.error:
        return f"WTF-{report.pk}: the model raised an error on this input: {result.error if result else '?'}"
    if result.matches_original:
        return (f"WTF-{report.pk}: replayed on {replay.model_version}: the model gives `{result.output}` again, "
                "so the logged answer is what this version does with these inputs.")
    return (f"WTF-{report.pk}: replayed on {replay.model_version}: the model now gives `{result.output}`, not the "
            f"logged `{report.output}`: the logged answer did not come from this model and input as logged.")


def chat_follow_up(*, report_id: int, response_url: str) -> str | None:
    report = Report.objects.select_related("model_version").filter(pk=report_id).first()
    if report is None or not report.has_inputs:
        return None  # nothing to replay until the team links the logged prediction
    # A retry (the channel did not answer) posts the verdict of the replay already run.
    replay = (report.replays.filter(model_version=report.model_version,
                                    status__in=[ReplayStatus.SUCCEEDED, ReplayStatus.FAILED])
              .order_by("-id").first())
    if replay is None:
        # One transaction: the worker is told about the replay only after it has already run
        # here, so its own claim finds nothing left to do.
        with transaction.atomic():
            replay = replay_start(actor=None, model_version=report.model_version, reports=[report])
            replay_run(replay_id=replay.pk)
            replay.refresh_from_db()
    text = verdict_message(report, replay)
    # The host was checked by response_url_allowed; the outbound client checks its address.
    outcome = outbound.post(response_url, body=json.dumps({"response_type": "ephemeral", "text": text}).encode(),
                            headers={"Content-Type": "application/json"}, timeout=TIMEOUT_SECONDS)
    if outcome.ok:
        return text
    if outcome.retryable:
        raise FollowUpNotDelivered(f"The channel did not take the follow-up of WTF-{report.pk}: {outcome.summary()}")
    logger.warning("The follow-up of WTF-%s was not posted: %s", report.pk, outcome.summary())
    return None
