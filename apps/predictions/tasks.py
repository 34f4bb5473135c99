import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from .services import predictions_purge

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def predictions_purge_task() -> None:
    """Daily (CELERY_BEAT_SCHEDULE). Each batch commits on its own, so a run stopped by the time
    limit keeps what it deleted and the next run carries on."""
    try:
        predictions_purge()
    except SoftTimeLimitExceeded:
        logger.warning("Prediction purge stopped at the time limit; the next run continues")
