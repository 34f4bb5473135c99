"""Posting to a model's chat channel (its `ModelWebhook`): what the incidents app announces
(apps/incidents/notify.py) and the action items' reminders go through."""

from __future__ import annotations

import json

from apps.core import outbound

TIMEOUT_SECONDS = 5


class WebhookTemporarilyFailed(Exception):
    """A 5xx or 429: worth retrying later."""


class WebhookRefused(Exception):
    """A 4xx other than 429, a redirect, or an address that may not be called (code None): the
    URL or the message is wrong, and retrying will not help."""

    def __init__(self, message: str, *, code: int | None):
        super().__init__(message)
        self.code = code


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
