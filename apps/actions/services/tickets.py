"""Action items: created when someone proposes one in the incident's post-mortem (the
post-mortem's service decides who may propose and when, then calls `action_item_create`),
reviewed by a second person, then tracked as tickets (owner, due date, priority, external
link, comments) along an explicit state machine. Every change is audited, and every change to
a ticket is an event for the outgoing webhook. Every change bumps the item's `version`, which
the post-mortem's revision (what its meeting screen polls) counts."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from apps.incidents.models import Incident
from apps.incidents.selectors import incident_can_work, incident_visibility
from apps.incidents.services import incident_version, incidents_locked

from ..models import (
    FINISHED_STATUSES,
    MAX_COMMENT,
    MAX_REASON,
    TICKET_TRANSITIONS,
    ActionItem,
    ActionItemComment,
    ActionKind,
    ActionScope,
    Priority,
    ReviewState,
    TicketStatus,
)
from ..selectors import (
    action_item_closed_incident_problem,
    action_item_get,
    action_item_get_for_work,
    action_item_owner_problem,
    action_item_review_problem,
)
from .webhooks import ACCEPTED, COMMENTED, TRANSITIONED, UPDATED, ticket_event

MAX_DESCRIPTION = 10_000


def default_due_date(priority: str, *, today: date | None = None) -> date:
    """P1 in four weeks, P2 in eight, P3 in twelve unless ACTION_ITEM_DUE_DAYS says otherwise."""
    days = settings.ACTION_ITEM_DUE_DAYS[priority]
    return (today or timezone.localdate()) + timedelta(days=days)


def _person(actor):
    return actor if actor is not None and actor.is_authenticated else None


def _choice(name: str, value: str, choices) -> None:
    if value not in choices.values:
        raise InvalidInput(f"'{value}' is not a valid {name}. Use one of: {', '.join(choices.values)}.",
                           errors={name: ["Unknown value."]})


def _active_user(username: str | None):
    if username is None:
        return None
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise InvalidInput(f"There is no active user '{username}' to own this action item.",
                           errors={"owner": ["Unknown user."]})
    return user


@transaction.atomic
def action_item_create(*, incident: Incident, actor, title: str, kind: str, description: str = "",
                       scope: str = ActionScope.CATEGORY, priority: str = Priority.P2,
                       owner: str | None = None) -> ActionItem:
    """A proposed action item of `incident`, once its fields are checked. Who may propose one
    and when (while the post-mortem is open) is the post-mortem's rule: people propose through
    `apps.postmortems.services.action_item_propose`, which calls this."""
    if not title.strip():
        raise InvalidInput("Say what should be done.", errors={"title": ["Required."]})
    if len(title) > 200:
        raise InvalidInput("Keep the title under 200 characters; put details in the description.",
                           errors={"title": ["At most 200 characters."]})
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"The description is longer than {MAX_DESCRIPTION:,} characters.",
                           errors={"description": ["Too long."]})
    _choice("kind", kind, ActionKind)
    _choice("scope", scope, ActionScope)
    _choice("priority", priority, Priority)
    item = ActionItem.objects.create(incident=incident, title=title.strip(), description=description, kind=kind,
                                     scope=scope, priority=priority, owner=_active_user(owner),
                                     proposed_by=_person(actor))
    audit_record(actor=actor, action=AuditAction.ACTION_ITEM_PROPOSE, target=item,
                 new={"title": item.title, "kind": kind, "scope": scope, "incident": incident.pk})
    return item


def _locked_item(*, item_id: int) -> ActionItem:
    item = ActionItem.objects.select_for_update(of=("self",)).filter(pk=item_id).select_related(
        "incident__model", "incident__postmortem", "owner", "fixed_in_version").first()
    if item is None:
        raise NotFound(f"There is no action item {item_id}, or you may not see it.")
    return item


def _locked_with_incident(*, item_id: int) -> ActionItem:
    """The item and its incident, both locked, in the one order every writer that takes both
    takes them: the incident, then the item. Closing an incident asks, with the incident locked,
    whether its accepted items are finished; a move that could unfinish one (reopening,
    accepting) takes the incident's lock first, so it waits for a close in progress and then
    sees the incident closed — or makes the close wait and see the item open."""
    incident_id = ActionItem.objects.filter(pk=item_id).values_list("incident_id", flat=True).first()
    if incident_id is None:
        raise NotFound(f"There is no action item {item_id}, or you may not see it.")
    incidents_locked().filter(pk=incident_id).first()  # only the incident's own row: not its model
    # Read after the incident's lock is held: the incident joined in is the one no one can change now.
    return _locked_item(item_id=item_id)


def _refuse_if_incident_closed(item: ActionItem, *, doing: str) -> None:
    problem = action_item_closed_incident_problem(item=item, incident=item.incident, doing=doing)
    if problem is not None:
        raise problem


def _locked_for_work(*, item_id: int, actor, with_incident: bool = False) -> ActionItem:
    """The item, locked, if `actor` may change it (404 / 403 otherwise; None is the system);
    `with_incident` locks its incident first (see `_locked_with_incident`)."""
    if actor is not None:
        action_item_get_for_work(user=actor, item_id=item_id)
    return _locked_with_incident(item_id=item_id) if with_incident else _locked_item(item_id=item_id)


def _saved(item: ActionItem) -> None:
    item.version += 1
    item.updated_at = timezone.now()
    item.save()


@transaction.atomic
def action_item_review(*, item_id: int, actor, decision: str, reason: str = "", owner: str | None = None,
                       priority: str | None = None, due_date: date | None = None) -> ActionItem:
    """A reviewer who did not propose the item accepts it (a ticket: owner, priority, due date
    defaulted from the priority) or rejects it with a reason kept on record."""
    if actor is not None:
        action_item_get(user=actor, item_id=item_id)  # 404 for someone who may not see it
    item = _locked_with_incident(item_id=item_id)
    if actor is not None and not incident_can_work(user=actor, incident=item.incident):
        raise PermissionDenied("Only the team that owns the model and the people named on the incident review its "
                               "post-mortem's action items.")
    if decision not in ("accept", "reject"):
        raise InvalidInput("Decide 'accept' or 'reject'.", errors={"decision": ["Use 'accept' or 'reject'."]})
    problem = action_item_review_problem(user=actor, item=item, model=item.incident.model)
    if problem is not None:
        raise problem
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON:,} characters.", errors={"reason": ["Too long."]})
    old = {"review_state": item.review_state}
    if decision == "reject":
        if not reason.strip():
            raise InvalidInput("Say why it is rejected: the reason stays on record.",
                               errors={"reason": ["Required when rejecting."]})
        item.review_state = ReviewState.REJECTED
    else:
        _refuse_if_incident_closed(item, doing="accepted")
        if priority is not None:
            _choice("priority", priority, Priority)
            item.priority = priority
        if owner is not None:
            item.owner = _owner_for(item, owner)
        if due_date is not None:
            _check_due_date(due_date)
        item.review_state = ReviewState.ACCEPTED
        item.status = TicketStatus.OPEN
        item.due_date = due_date or default_due_date(item.priority)
    item.review_reason = reason
    item.reviewed_by, item.reviewed_at = _person(actor), timezone.now()
    item.version += 1
    item.updated_at = timezone.now()
    item.save()
    audit_record(actor=actor, action=AuditAction.ACTION_ITEM_REVIEW, target=item, old=old,
                 new={"review_state": item.review_state, "reason": reason,
                      "owner": item.owner.get_username() if item.owner else None,
                      "due_date": item.due_date.isoformat() if item.due_date else None})
    if item.review_state == ReviewState.ACCEPTED:
        ticket_event(item=item, event=ACCEPTED, actor=actor, changes={"old": old, "new": {
            "review_state": item.review_state}})
    return item


@transaction.atomic
def action_item_transition(*, item_id: int, actor, to: str, reason: str = "") -> ActionItem:
    """Moves an accepted action item (a ticket) along open → in_progress → done | wont_do.
    Won't-do needs a reason. The owning team and the ticket's owner may move it."""
    item = _locked_for_work(item_id=item_id, actor=actor, with_incident=True)
    if item.review_state != ReviewState.ACCEPTED:
        raise Conflict(f"Action item {item.pk} is {item.review_state}, not a ticket: a reviewer accepts it first.",
                       extra={"current": item.review_state, "allowed_transitions": []})
    _choice("to", to, TicketStatus)
    TICKET_TRANSITIONS.check(item.status, to)
    if item.status in FINISHED_STATUSES and to not in FINISHED_STATUSES:
        _refuse_if_incident_closed(item, doing="reopened")
    if to == TicketStatus.WONT_DO and not reason.strip():
        raise InvalidInput("Say why it won't be done: the reason stays on record.",
                           errors={"reason": ["Required for won't do."]})
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON:,} characters.", errors={"reason": ["Too long."]})
    old: dict[str, Any] = {"status": item.status}
    item.status = to
    item.wont_do_reason = reason if to == TicketStatus.WONT_DO else ""
    if to in FINISHED_STATUSES:  # when it was finished: the insights' on time / overdue
        item.finished_at = timezone.now()
    _saved(item)
    new = {"status": to, "reason": reason}
    audit_record(actor=actor, action=AuditAction.ACTION_ITEM_TRANSITION, target=item, old=old, new=new)
    ticket_event(item=item, event=TRANSITIONED, actor=actor, changes={"old": old, "new": new})
    return item


# --- Editing a ticket -------------------------------------------------------------------------

EDITABLE_FIELDS = ("owner", "due_date", "priority", "external_url", "fixed_in_version")
_URL = URLValidator(schemes=["https", "http"])


def _check_due_date(due_date: date, *, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if due_date < today:
        message = f"The due date {due_date.isoformat()} is in the past: choose today ({today.isoformat()}) or later."
        raise InvalidInput(message, errors={"due_date": [message]})


def _owner_for(item: ActionItem, username: str, *, actor=None, from_team: bool = False):
    """An active user who may see the item's incident (a restricted one names them, or they are
    in its team): an owner who could not open their own ticket would never do it. `from_team`
    narrows it to the people the ticket page's picker offers (the owning team's members, the
    current owner, the actor when they may work on it)."""
    user = _active_user(username)
    if from_team and actor is not None:
        problem = action_item_owner_problem(item=item, owner=user, actor=actor)
        if problem:
            raise InvalidInput(problem, errors={"owner": [problem]})
    visible = incident_visibility(user)
    if visible is not None and not Incident.objects.filter(visible, pk=item.incident_id).exists():
        message = (f"{username} may not see INC-{item.incident_id} (it is restricted): name them on the incident "
                   "first, or choose someone in the owning team.")
        raise InvalidInput(message, errors={"owner": [message]})
    return user


def _external_url(value: str) -> str:
    value = value.strip()
    if not value:
        return ""
    message = "Give the issue's full http(s) address, e.g. https://github.com/org/repo/issues/12."
    if len(value) > 500:
        raise InvalidInput("The external link is longer than 500 characters.",
                           errors={"external_url": ["At most 500 characters."]})
    try:
        _URL(value)
    except ValidationError:
        raise InvalidInput(f"'{value[:100]}' is not a link to an issue. {message}",
                           errors={"external_url": [message]}) from None
    return value


def _fixed_in_version(item: ActionItem, version: str | None):
    if version is None or version == "":
        return None
    if item.kind != ActionKind.CORRECTIVE:
        message = "Only a corrective action item carries the version with the fix."
        raise InvalidInput(f"AI-{item.pk} is {item.kind}. {message}", errors={"fixed_in_version": [message]})
    return incident_version(incident=item.incident, version=version)


def _label(value) -> Any:
    if value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "get_username"):
        return value.get_username()
    return getattr(value, "version", str(value))


@transaction.atomic
def action_item_update(*, item_id: int, actor, today: date | None = None, owner_from_team: bool = False,
                       **changes: Any) -> ActionItem:
    """Changes a ticket's owner (a username, or None; with `owner_from_team`, as on the ticket
    page, one of the people its picker offers), due date (today or later; a ticket keeps
    one), priority, external link (an http(s) address, or "" to clear it) and, for a corrective
    item, the version of the incident's model that carries the fix (a version string, or None).
    Only the fields given change; a value equal to the current one is no change (so an overdue
    ticket can be edited without moving its date)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.",
                           errors={name: ["Not editable."] for name in sorted(unknown)})
    item = _locked_for_work(item_id=item_id, actor=actor)
    if item.review_state == ReviewState.REJECTED:
        raise Conflict(f"Action item {item.pk} was rejected; it is kept on record as it was.",
                       extra={"current": item.review_state})
    wanted: dict[str, Any] = {}
    if "owner" in changes:
        username = changes["owner"]
        current = item.owner.get_username() if item.owner_id else None
        if username != current:
            wanted["owner"] = (_owner_for(item, username, actor=actor, from_team=owner_from_team)
                               if username else None)
    if "due_date" in changes and changes["due_date"] != item.due_date:
        due_date = changes["due_date"]
        if due_date is None and item.review_state == ReviewState.ACCEPTED:
            raise InvalidInput("A ticket keeps a due date: choose a later one instead of none.",
                               errors={"due_date": ["Required for a ticket."]})
        if due_date is not None:
            _check_due_date(due_date, today=today)
        wanted["due_date"] = due_date
    if "priority" in changes and changes["priority"] != item.priority:
        _choice("priority", changes["priority"], Priority)
        wanted["priority"] = changes["priority"]
    if "external_url" in changes:
        url = _external_url(changes["external_url"] or "")
        if url != item.external_url:
            wanted["external_url"] = url
    if "fixed_in_version" in changes:
        version = _fixed_in_version(item, changes["fixed_in_version"])
        if (version.pk if version else None) != item.fixed_in_version_id:
            wanted["fixed_in_version"] = version
    if not wanted:
        return item
    old = {name: _label(getattr(item, name)) for name in wanted}
    for name, value in wanted.items():
        setattr(item, name, value)
    new = {name: _label(value) for name, value in wanted.items()}
    _saved(item)
    audit_record(actor=actor, action=AuditAction.ACTION_ITEM_UPDATE, target=item, old=old, new=new)
    if item.review_state == ReviewState.ACCEPTED:
        ticket_event(item=item, event=UPDATED, actor=actor, changes={"old": old, "new": new})
    return item


@transaction.atomic
def action_item_comment_add(*, item_id: int, actor, body: str) -> ActionItemComment:
    """A note on the ticket's work log, by the team or the ticket's owner."""
    item = _locked_for_work(item_id=item_id, actor=actor)
    if not body.strip():
        raise InvalidInput("The comment is empty.", errors={"body": ["Required."]})
    if len(body) > MAX_COMMENT:
        raise InvalidInput(f"Keep a comment under {MAX_COMMENT:,} characters.", errors={"body": ["Too long."]})
    comment = ActionItemComment.objects.create(item=item, author=_person(actor), body=body.strip())
    audit_record(actor=actor, action=AuditAction.ACTION_ITEM_COMMENT, target=item, new={"comment": comment.pk})
    if item.review_state == ReviewState.ACCEPTED:
        ticket_event(item=item, event=COMMENTED, actor=actor,
                     changes={"comment": {"id": comment.pk, "body": comment.body}})
    return comment
