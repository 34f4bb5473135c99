"""Connected in ChatopsConfig.ready to apps.incidents.hooks.incident_status_changed (sent after
the change commits)."""

from __future__ import annotations

import logging

from apps.incidents.hooks import StatusChange

from .hear_back import chat_origins_to_tell

logger = logging.getLogger(__name__)


def tell_chat_reporters(sender, *, change: StatusChange, **kwargs) -> None:
    from .tasks import chat_status_tell_task

    for origin_id in chat_origins_to_tell(change=change):
        try:
            chat_status_tell_task.delay(origin_id, change.as_json())
        except Exception:  # a broker outage: the person can still ask `/wtf status ID`
            logger.exception("Could not queue the chat answer for origin %s", origin_id)
