"""What every post-mortem service shares: locking, the editable check, counting a change."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.utils import timezone

from apps.core.errors import Conflict, InvalidInput

from ..models import (
    EDITABLE_STATUSES,
    POSTMORTEM_TRANSITIONS,
    Postmortem,
)
from ..selectors import postmortem_get_for_work

MAX_QUESTION = 500


def _locked(*, incident_id: int, actor) -> Postmortem:
    """The incident's post-mortem, its own row locked for this transaction — not its incident's
    nor its model's (FOR UPDATE over a join would lock every joined row, and editing one
    post-mortem would hold up work on every incident of the model). The services read the
    incident and model joined in (who may work on it, which team reviews it) but rely on no rule
    between their state and the post-mortem's, so they need no lock. Nothing that holds this
    lock then locks an incident for update, so the order stays the codebase's: incident, then
    what hangs off it (`postmortem_start` locks the incident only)."""
    postmortem = postmortem_get_for_work(user=actor, incident_id=incident_id)
    return Postmortem.objects.select_for_update(of=("self",)).select_related("incident__model").get(pk=postmortem.pk)


def _require_editable(postmortem: Postmortem) -> None:
    if postmortem.status not in EDITABLE_STATUSES:
        raise Conflict(f"The post-mortem is {postmortem.get_status_display().lower()}: its text is what was approved. "
                       "Move it back to 'in_review' to change it.",
                       extra={"current": postmortem.status,
                              "allowed_transitions": POSTMORTEM_TRANSITIONS.allowed_from(postmortem.status)})


def _touch(postmortem: Postmortem, *, actor, bump_version: bool = False) -> None:
    """Counts a change (the meeting screen's signal) without reading the row back: two
    people adding why-nodes at once must not conflict."""
    now = timezone.now()
    updates: dict[str, Any] = {"revision": F("revision") + 1, "updated_at": now}
    if bump_version:
        updates["version"] = F("version") + 1
    if actor is not None and actor.is_authenticated:
        updates["updated_by"] = actor
    Postmortem.objects.filter(pk=postmortem.pk).update(**updates)


def _check_length(name: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise InvalidInput(f"`{name}` is {len(value):,} characters long; keep it under {limit:,}.",
                           errors={name: [f"At most {limit:,} characters."]})


def _is_person(actor) -> bool:
    return actor is not None and actor.is_authenticated

