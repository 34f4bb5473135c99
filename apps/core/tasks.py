from celery import shared_task

from .idempotency import idempotency_records_purge


@shared_task(ignore_result=True)
def idempotency_records_purge_task() -> None:
    idempotency_records_purge()
