from celery import shared_task

from apps.notifications.services import WebhookTemporarilyFailed

from .notify import incident_notify


# The name it had in the notifications app: messages already queued by a running deployment
# still find it after an upgrade.
@shared_task(name="apps.notifications.tasks.incident_notify_task", autoretry_for=(WebhookTemporarilyFailed, OSError),
             retry_backoff=True, retry_backoff_max=600, max_retries=6, ignore_result=True)
def incident_notify_task(incident_id: int, event: str) -> None:
    incident_notify(incident_id=incident_id, event=event)
