"""What the actions app answers when a lower app asks (apps/incidents/hooks.py)."""

from __future__ import annotations

from apps.incidents.hooks import CloseBlocker
from apps.incidents.models import Incident

from .selectors import action_items_blocking_close


def close_blockers_of(sender=None, *, incident: Incident, **kwargs) -> list[CloseBlocker]:
    """Receives `incident_close_asked`: the incident's accepted action items still to finish."""
    return [CloseBlocker(id=item.pk, title=item.title, status=item.status,
                         status_label=str(item.get_status_display()),
                         owner=item.owner.get_username() if item.owner_id else None, due_date=item.due_date)
            for item in action_items_blocking_close(incident_id=incident.pk)]
