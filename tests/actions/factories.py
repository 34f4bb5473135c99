"""Tickets built through the services, as people build them, and in bulk for volume tests."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from apps.actions.models import ActionItem, ReviewState, TicketStatus, TicketWebhookEndpoint
from apps.actions.services import action_item_review
from apps.postmortems.services import action_item_propose
from tests.postmortems.factories import team_postmortem


def accepted_ticket(world, *, title: str = "Alert when a feature's unit changes", kind: str = "preventive",
                    owner: str | None = "member", priority: str = "P2", due_date: date | None = None,
                    proposer=None, reviewer=None, incident=None) -> ActionItem:
    """Proposed by `world.member` (or `proposer`) in the post-mortem of `world.incident` (or
    `incident`) and accepted by `world.reviewer`."""
    incident = incident or world.incident
    item = action_item_propose(incident_id=incident.pk, actor=proposer or world.member, title=title, kind=kind,
                               owner=owner, priority=priority)
    return action_item_review(item_id=item.pk, actor=reviewer or world.reviewer, decision="accept",
                              due_date=due_date)


def ticket_world():
    """`team_postmortem()` plus `world.item`: a ticket owned by `world.member`, open, due in
    eight weeks."""
    world = team_postmortem()
    world.item = accepted_ticket(world)
    return world


def make_overdue(item: ActionItem, *, days: int = 3) -> ActionItem:
    """Due dates in the past cannot be chosen (the services refuse them): time passes instead."""
    ActionItem.objects.filter(pk=item.pk).update(due_date=timezone.localdate() - timedelta(days=days))
    item.refresh_from_db()
    return item


def bulk_tickets(world, count: int, *, owner=None) -> list[ActionItem]:
    """`count` accepted tickets in the world's post-mortem, spread over every status, one in
    three overdue — written directly, for tests about volume."""
    statuses = list(TicketStatus)
    today = timezone.localdate()
    items = [ActionItem(incident=world.incident, title=f"Ticket {index}",
                        kind="preventive", review_state=ReviewState.ACCEPTED, status=statuses[index % 4],
                        owner=owner or world.member, proposed_by=world.member, reviewed_by=world.reviewer,
                        due_date=today + timedelta(days=-2 if index % 3 == 0 else 10 + index))
             for index in range(count)]
    return ActionItem.objects.bulk_create(items)


def endpoint(url: str, *, team=None, secret: str = "shh-its-a-secret", name: str = "tracker bridge"):
    return TicketWebhookEndpoint.objects.create(name=name, url=url, team=team, secret=secret)
