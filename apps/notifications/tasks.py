from celery import shared_task

from apps.incidents.hooks import StatusChange

from .reporter_updates import reporter_update_send, reporter_updates_due, reporter_updates_queue
from .services import WebhookTemporarilyFailed, incident_notify


@shared_task(autoretry_for=(WebhookTemporarilyFailed, OSError), retry_backoff=True, retry_backoff_max=600,
             max_retries=6, ignore_result=True)
def incident_notify_task(incident_id: int, event: str) -> None:
    incident_notify(incident_id=incident_id, event=event)


@shared_task(ignore_result=True, acks_late=True)
def reporter_updates_queue_task(change: dict) -> None:
    """After an incident's status change: each reporter's next e-mail gets it; those due now go."""
    for update_id in reporter_updates_queue(change=StatusChange.from_json(change)):
        reporter_update_send(update_id=update_id)


@shared_task(ignore_result=True)
def reporter_updates_sweep_task() -> None:
    """Every minute (beat): the batched updates whose hour is up, and sends that failed."""
    for update_id in reporter_updates_due():
        reporter_update_send(update_id=update_id)
