"""Tasks take ids, call a service, and are safe to run twice: the services claim their row
with a compare-and-set, so a duplicate message does nothing."""

from __future__ import annotations

import logging

from celery import shared_task

from .services import (
    action_item_reminders_send,
    tracker_export_run,
    tracker_exports_sweep,
    webhook_deliveries_sweep,
    webhook_delivery_attempt,
)

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def webhook_delivery_task(self, delivery_id: int) -> None:
    """One attempt; a failure worth retrying schedules the next one after the row's backoff.
    The attempt count lives on the row (the service stops retrying), not in Celery. If the
    retry cannot be queued (broker down), the row stays pending and the sweep sends it."""
    attempted = webhook_delivery_attempt(delivery_id=delivery_id)
    if attempted is not None and attempted.retry_in is not None:
        raise self.retry(countdown=attempted.retry_in)


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def tracker_export_task(self, export_id: int) -> None:
    exported = tracker_export_run(export_id=export_id)
    if exported is not None and exported.retry_in is not None:
        raise self.retry(countdown=exported.retry_in)


@shared_task(ignore_result=True)
def action_item_reminders_task() -> None:
    sent = action_item_reminders_send()
    logger.info("Action-item reminders: %s", sent)


@shared_task(ignore_result=True)
def ticket_outbox_sweep_task() -> None:
    webhook_deliveries_sweep()
    tracker_exports_sweep()
