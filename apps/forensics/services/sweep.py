"""Report forensics a broker outage stranded in the queue, sent again."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from ..models import JobStatus, ReportForensics
from .common import enqueue

logger = logging.getLogger(__name__)


def report_forensics_sweep(*, now=None, older_than_seconds: int = 600) -> int:
    """Sends again the report forensics still queued long after they were asked for (the
    broker was down at intake, or the message was lost). Running one twice is harmless: the
    compute claims its row."""
    now = now or timezone.now()
    stranded = list(ReportForensics.objects.filter(status=JobStatus.QUEUED,
                                                   requested_at__lt=now - timedelta(seconds=older_than_seconds))
                    .order_by("requested_at").values_list("report_id", flat=True)[:1000])
    from ..tasks import report_forensics_task

    for report_id in stranded:
        enqueue(report_forensics_task, report_id)
    ReportForensics.objects.filter(report_id__in=stranded, status=JobStatus.QUEUED).update(requested_at=now)
    if stranded:
        logger.warning("Forensics sweep: sent %s queued report(s) again", len(stranded))
    return len(stranded)
