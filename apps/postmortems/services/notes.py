"""Timeline entries and review comments: rows of their own, so adding them never conflicts
with someone editing the sections."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.actions.models import ActionItem
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput, NotFound

from ..models import (
    MAX_SHORT_TEXT,
    ReviewComment,
    Section,
    TimelineEntry,
    WhyNode,
)
from ..selectors import postmortem_get_for_work
from ._common import _check_length, _is_person, _require_editable, _touch


@transaction.atomic
def timeline_entry_add(*, incident_id: int, actor, at: datetime, text: str) -> TimelineEntry:
    postmortem = postmortem_get_for_work(user=actor, incident_id=incident_id)
    _require_editable(postmortem)
    if not text.strip():
        raise InvalidInput("Say what happened at that moment.", errors={"text": ["Required."]})
    _check_length("text", text, MAX_SHORT_TEXT)
    if timezone.is_naive(at):
        raise InvalidInput("Give the time with its UTC offset, e.g. 2026-11-23T09:30:00+01:00.",
                           errors={"at": ["Needs a UTC offset."]})
    if at > timezone.now() + timedelta(days=1):
        raise InvalidInput("A timeline entry is about what happened: it cannot be in the future.",
                           errors={"at": ["In the future."]})
    entry = TimelineEntry.objects.create(postmortem=postmortem, at=at, text=text.strip(),
                                         created_by=actor if _is_person(actor) else None)
    _touch(postmortem, actor=actor)
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_TIMELINE_ADD, target=postmortem,
                 new={"entry": entry.pk, "at": at.isoformat(), "text": entry.text})
    return entry


@transaction.atomic
def timeline_entry_delete(*, incident_id: int, entry_id: int, actor) -> None:
    postmortem = postmortem_get_for_work(user=actor, incident_id=incident_id)
    _require_editable(postmortem)
    entry = TimelineEntry.objects.filter(pk=entry_id, postmortem=postmortem).first()
    if entry is None:
        raise NotFound(f"The post-mortem of INC-{incident_id} has no timeline entry {entry_id}.")
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_TIMELINE_DELETE, target=postmortem,
                 old={"entry": entry.pk, "at": entry.at.isoformat(), "text": entry.text})
    entry.delete()
    _touch(postmortem, actor=actor)


@transaction.atomic
def review_comment_add(*, incident_id: int, actor, section: str, body: str, why_node_id: int | None = None,
                       action_item_id: int | None = None) -> ReviewComment:
    """A reviewer's (or anyone on the team's) remark on a section, a why-node or a proposed
    action point."""
    postmortem = postmortem_get_for_work(user=actor, incident_id=incident_id)
    if section not in Section.values:
        raise InvalidInput(f"'{section}' is not a section. Use one of: {', '.join(Section.values)}.",
                           errors={"section": ["Unknown section."]})
    if not body.strip():
        raise InvalidInput("The comment is empty.", errors={"body": ["Required."]})
    _check_length("body", body, MAX_SHORT_TEXT * 2)
    node = item = None
    if why_node_id is not None:
        node = WhyNode.objects.filter(pk=why_node_id, postmortem=postmortem).first()
        if node is None:
            raise InvalidInput(f"Why-node {why_node_id} is not in this post-mortem.", errors={"why_node": ["Unknown."]})
    if action_item_id is not None:
        item = ActionItem.objects.filter(pk=action_item_id, incident_id=postmortem.incident_id).first()
        if item is None:
            raise InvalidInput(f"Action item {action_item_id} is not in this post-mortem.",
                               errors={"action_item": ["Unknown."]})
    comment = ReviewComment.objects.create(postmortem=postmortem, section=section, why_node=node, action_item=item,
                                           body=body.strip(), author=actor if _is_person(actor) else None)
    _touch(postmortem, actor=actor)
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_COMMENT, target=postmortem,
                 new={"comment": comment.pk, "section": section, "why_node": why_node_id,
                      "action_item": action_item_id})
    return comment
