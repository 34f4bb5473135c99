from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ..models import ReplayChunk, ReplayStatus
from .runs import chunk_fail, enqueue_chunks

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SweepResult:
    requeued: int  # chunks left running by a worker that died
    failed: int  # chunks that died too often: their replay is given up
    resent: int  # chunks queued, but the worker was never told (broker outage) or lost the message


def replays_sweep(*, now=None) -> SweepResult:
    """Safe to run any time, from several beat schedulers at once: every move is a
    compare-and-set, and a chunk sent twice still runs once (its task claims it)."""
    now = now or timezone.now()
    # A task cannot still be running past its hard time limit: its worker is gone.
    lost = ReplayChunk.objects.filter(status=ReplayStatus.RUNNING,
                                      started_at__lt=now - timedelta(seconds=settings.REPLAY_LOST_AFTER_SECONDS))
    failed = 0
    for chunk_id, attempts in lost.filter(attempts__gte=settings.REPLAY_MAX_ATTEMPTS).values_list("pk", "attempts"):
        chunk_fail(chunk_id=chunk_id, attempt=attempts, message=(
            f"The worker running this replay stopped {settings.REPLAY_MAX_ATTEMPTS} times (killed, out of memory or "
            "lost); it was given up. Check the worker logs, or run a smaller replay."))
        failed += 1
    requeued = lost.filter(attempts__lt=settings.REPLAY_MAX_ATTEMPTS).update(
        status=ReplayStatus.QUEUED, started_at=None, enqueued_at=None)
    # Never sent (the broker was down when it was queued): as soon as it is surely not just
    # being committed. Sent but not picked up: after a generous wait, since queues can be long.
    unsent = Q(enqueued_at__isnull=True) & (Q(replay__created_at__lt=now - timedelta(seconds=60)) | Q(attempts__gt=0))
    unpicked = Q(enqueued_at__lt=now - timedelta(seconds=settings.REPLAY_RESEND_AFTER_SECONDS))
    stranded = list(ReplayChunk.objects.filter(status=ReplayStatus.QUEUED).filter(unsent | unpicked)
                    .order_by("replay__created_at", "index").values_list("pk", flat=True)[:1000])
    resent = enqueue_chunks(stranded) if stranded else 0
    if failed or requeued or resent:
        logger.warning("Replay sweep: %s chunk(s) restarted after a lost worker, %s given up, %s sent again",
                       requeued, failed, resent)
    return SweepResult(requeued=requeued, failed=failed, resent=resent)
