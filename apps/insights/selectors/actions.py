"""Action-item figures: done on time, done late, overdue now, and how many were overdue at the end
of each week. When a ticket was finished comes from its audit trail (`action_item.transition`);
a ticket finished without one (loaded by hand) counts its last change instead."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    DateTimeField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, TruncDate, TruncWeek

from apps.actions.models import FINISHED_STATUSES, UNFINISHED_STATUSES, ActionItem, ReviewState, TicketStatus
from apps.audit.models import AuditEvent
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
    week not over yet): accepted by then, due before that day, and not finished by then.

    A ticket is overdue from the day it became overdue (`late_from`: the day after its due date,
    or the day it was accepted if that is later) until the day it was finished (excluded), so the
    number overdue at the end of day D is #{late_from ≤ D} − #{max(late_from, finished) ≤ D}.
    Two GROUP BY queries count both per week, and the weeks add up — rather than one conditional
    count per week, which made PostgreSQL look up every ticket's finishing time once per week."""
    if not mondays:
        return {}
    last_day = min(until, today)
    late_from = Greatest(TruncDate("created_at"), F("due_date") + timedelta(days=1), output_field=DateField())
    tickets = (tickets_of(incidents).filter(due_date__isnull=False)
               .annotate(late_from=late_from, finished_on=TruncDate(_finished_at(FINISHED_STATUSES)))
               .annotate(back_on_time=Case(
                   When(status__in=UNFINISHED_STATUSES, then=Value(None, output_field=DateField())),
                   default=Greatest(F("late_from"), F("finished_on"), output_field=DateField()),
                   output_field=DateField())))
    became = _per_week(tickets.filter(late_from__lte=last_day), "late_from")
    ended = _per_week(tickets.filter(back_on_time__lte=last_day), "back_on_time")
    counts, running_became, running_ended = {}, 0, 0
    earlier = mondays[0]
    running_became = sum(count for week, count in became.items() if week < earlier)
    running_ended = sum(count for week, count in ended.items() if week < earlier)
    for week in mondays:
        running_became += became.get(week, 0)
        running_ended += ended.get(week, 0)
        counts[week] = running_became - running_ended
    return counts


def _per_week(tickets: QuerySet[ActionItem], day: str) -> dict[date, int]:
    rows = (tickets.order_by().annotate(week=TruncWeek(day, output_field=DateField())).values("week")
            .annotate(count=Count("pk")).values_list("week", "count"))
    return {(week.date() if isinstance(week, datetime) else week): count for week, count in rows}
