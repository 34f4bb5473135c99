from celery import shared_task

from .services import WebhookTemporarilyFailed, incident_notify


@shared_task(autoretry_for=(WebhookTemporarilyFailed, OSError), retry_backoff=True, retry_backoff_max=600,
             max_retries=6, ignore_result=True)
def incident_notify_task(incident_id: int, event: str) -> None:
    incident_notify(incident_id=incident_id, event=event)
