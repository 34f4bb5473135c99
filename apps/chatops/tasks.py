from celery import shared_task

from apps.notifications.services import WebhookTemporarilyFailed

from .follow_up import chat_follow_up
from .hear_back import chat_status_tell


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def chat_follow_up_task(report_id: int, response_url: str) -> None:
    chat_follow_up(report_id=report_id, response_url=response_url)


@shared_task(ignore_result=True, acks_late=True, autoretry_for=(OSError, WebhookTemporarilyFailed), retry_backoff=True,
             max_retries=5)
def chat_status_tell_task(origin_id: int, change: dict) -> None:
    """Safe to run twice: the change is claimed on the origin row before it is told."""
    chat_status_tell(origin_id=origin_id, change=change)
