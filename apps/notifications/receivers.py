"""What notifications does when an incident's status changes (connected in NotificationsConfig.ready
to apps.incidents.hooks.incident_status_changed, which is sent after the change commits)."""

from __future__ import annotations

import logging

from apps.incidents.hooks import StatusChange

from .reporter_updates import reporter_updates_queue

logger = logging.getLogger(__name__)


def tell_reporters(sender, *, change: StatusChange, **kwargs) -> None:
    from .tasks import reporter_update_send_task

    for update_id in reporter_updates_queue(change=change):
        try:
            reporter_update_send_task.delay(update_id)
        except Exception:  # a broker outage: the sweep sends it within a minute of coming back
            logger.exception("Could not queue reporter update %s", update_id)
