"""Proposing an action item in the post-mortem. Action items live in the layer below
(`apps.actions`: the ticket's review, tracking, reminders and webhooks); what is the
post-mortem's rule — who may propose one, and only while the post-mortem is open — is here."""

from __future__ import annotations

from django.db import transaction

from apps.actions.models import ActionItem, ActionScope, Priority
from apps.actions.services import action_item_create
from apps.core.errors import Conflict

from ..models import EDITABLE_STATUSES
from ..selectors import postmortem_get_for_work


@transaction.atomic
def action_item_propose(*, incident_id: int, actor, title: str, kind: str, description: str = "",
                        scope: str = ActionScope.CATEGORY, priority: str = Priority.P2,
                        owner: str | None = None) -> ActionItem:
    """Proposes an action point in the incident's post-mortem; it becomes a ticket only when
    a reviewer accepts it. The new item counts as a change of the post-mortem (its revision
    sums its items' versions), so meeting screens show it."""
    postmortem = postmortem_get_for_work(user=actor, incident_id=incident_id)
    if postmortem.status not in EDITABLE_STATUSES:
        raise Conflict(f"The post-mortem is {postmortem.status}: action points are proposed while it is a draft or "
                       "in review.", extra={"current": postmortem.status})
    return action_item_create(incident=postmortem.incident, actor=actor, title=title, kind=kind,
                              description=description, scope=scope, priority=priority, owner=owner)
