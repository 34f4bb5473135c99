"""Sending a task once the change it works on has committed."""

from __future__ import annotations

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def delay_on_commit(task, *args) -> None:
    """Celery's `task.delay_on_commit(*args)`, except that a broker outage after the commit is
    logged instead of raised into the request that already committed (which would answer 500
    for a change that was saved). Callers keep a pending row for the task, which a sweep sends
    again, so nothing is lost."""
    transaction.on_commit(lambda: delay_now(task, *args))


def delay_now(task, *args) -> bool:
    try:
        task.delay(*args)
        return True
    except Exception:
        logger.exception("Could not queue %s%s; the sweep sends it again", task.name, args)
        return False
