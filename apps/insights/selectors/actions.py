"""Action-item figures: done on time, done late, overdue now, and how many were overdue at the end
of each week. When a ticket was finished comes from its audit trail (`action_item.transition`);
a ticket finished without one (loaded by hand) counts its last change instead."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from apps.actions.models import FINISHED_STATUSES, UNFINISHED_STATUSES, ActionItem, ReviewState, TicketStatus
from apps.audit.models import AuditEvent
from apps.core.dates import day_end
from apps.incidents.models import Incident

from ..read_models import ActionItemFigures


def _finished_at(statuses) -> Coalesce:
    moves = AuditEvent.objects.filter(target_type="actions.actionitem", action="action_item.transition",
                                      target_id=Cast(OuterRef("pk"), output_field=CharField()),
                                      new__status__in=list(statuses))
    latest = Subquery(moves.order_by("-created_at", "-id").values("created_at")[:1], output_field=DateTimeField())
    return Coalesce(latest, F("updated_at"), output_field=DateTimeField())


def tickets_of(incidents: QuerySet[Incident]) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(incident__in=incidents.values("pk"), review_state=ReviewState.ACCEPTED)


def action_item_figures(incidents: QuerySet[Incident], *, start: datetime, end: datetime, today: date,
                        url: str) -> ActionItemFigures:
    """The tickets of `incidents` accepted from post-mortems written in the range (created in it),
    as they stand today. On time: done on or before the due date (or without one)."""
    tickets = tickets_of(incidents).filter(created_at__gte=start, created_at__lte=end).annotate(
        done_on=TruncDate(_finished_at([TicketStatus.DONE])))
    done = Q(status=TicketStatus.DONE)
    counts = tickets.aggregate(
        on_time=Count("pk", filter=done & (Q(due_date__isnull=True) | Q(done_on__lte=F("due_date")))),
        late=Count("pk", filter=done & Q(due_date__isnull=False, done_on__gt=F("due_date"))),
        overdue=Count("pk", filter=Q(status__in=UNFINISHED_STATUSES, due_date__lt=today)),
        on_track=Count("pk", filter=Q(status__in=UNFINISHED_STATUSES) & (Q(due_date__isnull=True)
                                                                         | Q(due_date__gte=today))),
    )
    return ActionItemFigures(done_on_time=counts["on_time"], done_late=counts["late"], overdue=counts["overdue"],
                             on_track=counts["on_track"], url=url)


def overdue_per_week(incidents: QuerySet[Incident], *, mondays: list[date], until: date,
                     today: date) -> dict[date, int]:
    """For each week, the tickets overdue at its end (the last day of the range, or today, for a
    week not over yet): accepted by then, due before that day, and not finished by then. One
    query: a conditional count per week."""
    tickets = tickets_of(incidents).annotate(finished_at=_finished_at(FINISHED_STATUSES))
    counts = {}
    for index, week in enumerate(mondays):
        last_day = min(week + timedelta(days=6), until, today)
        moment = day_end(last_day) if last_day < today else timezone.now()
        still_open = Q(status__in=UNFINISHED_STATUSES) | Q(finished_at__gt=moment)
        counts[f"w{index}"] = Count("pk", filter=Q(created_at__lte=moment, due_date__lt=last_day) & still_open)
    found = tickets.aggregate(**counts) if counts else {}
    return {week: found[f"w{index}"] for index, week in enumerate(mondays)}

