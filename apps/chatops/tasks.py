from celery import shared_task

from .follow_up import chat_follow_up


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def chat_follow_up_task(report_id: int, response_url: str) -> None:
    chat_follow_up(report_id=report_id, response_url=response_url)
