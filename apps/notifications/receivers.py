"""What notifications does when an incident's status changes (connected in NotificationsConfig.ready
to apps.incidents.hooks.incident_status_changed, which is sent after the change commits)."""

from __future__ import annotations

import logging

from apps.incidents.hooks import StatusChange

logger = logging.getLogger(__name__)


def tell_reporters(sender, *, change: StatusChange, **kwargs) -> None:
    """Hands the change to a worker: an incident with many reporters costs the request nothing."""
    from .tasks import reporter_updates_queue_task

    if not change.event:
        return
    try:
        reporter_updates_queue_task.delay(change.as_json())
    except Exception:  # a broker outage loses the e-mails of this change; My reports still shows it
        logger.exception("Could not queue the reporters' e-mails of INC-%s", change.incident_id)
