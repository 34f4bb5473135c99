"""A model's incoming webhook, as an admin sets it up (there is no service: the admin's form
writes the row, so the URL is validated here as the form validates it)."""

from __future__ import annotations

from apps.notifications.models import ModelWebhook
from apps.registry.models import Model


def model_webhook(model: Model, url: str, **flags: bool) -> ModelWebhook:
    """`model`'s channel at `url`, told of every event unless `flags` (on_open, on_resolve,
    on_reminder) say otherwise."""
    webhook = ModelWebhook(model=model, url=url, **flags)
    webhook.full_clean()
    webhook.save()
    return webhook
