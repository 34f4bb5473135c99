"""Action-item figures: done on time, done late, overdue now, and how many were overdue at the end
of each week. When a ticket was finished is its `finished_at` (kept by `action_item_transition`,
filled from the audit trail for older tickets); a ticket finished without a move (loaded by hand)
counts its last change instead."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Count,
    DateField,
    DateTimeField,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate

from apps.actions.models import UNFINISHED_STATUSES, ActionItem, ReviewState, TicketStatus
from apps.incidents.models import Incident

from ..read_models import ActionItemFigures


def _finished_at() -> Coalesce:
    return Coalesce(F("finished_at"), F("updated_at"), output_field=DateTimeField())


def tickets_of(incidents: QuerySet[Incident]) -> QuerySet[ActionItem]:
    tickets = ActionItem.objects.filter(review_state=ReviewState.ACCEPTED)
    # Every incident (an admin's scope): no semi-join that narrows nothing (every ticket has one).
    return tickets.filter(incident__in=incidents.values("pk")) if incidents.query.has_filters() else tickets


def action_item_figures(incidents: QuerySet[Incident], *, start: datetime, end: datetime, today: date,
                        url: str) -> ActionItemFigures:
    """The tickets of `incidents` accepted from post-mortems written in the range (created in it),
    as they stand today. On time: done on or before the due date (or without one)."""
    tickets = tickets_of(incidents).filter(created_at__gte=start, created_at__lte=end).annotate(
        done_on=TruncDate(_finished_at()))
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
    Two GROUP BY queries count both per day, and the days up to each week's end add up — rather
    than one conditional count per week, which made PostgreSQL look up every ticket's finishing
    time once per week."""
    if not mondays:
        return {}
    last_day = min(until, today)
    late_from = Greatest(TruncDate("created_at"), F("due_date") + timedelta(days=1), output_field=DateField())
    tickets = (tickets_of(incidents).filter(due_date__isnull=False)
               .annotate(late_from=late_from, finished_on=TruncDate(_finished_at()))
               .annotate(back_on_time=Case(
                   When(status__in=UNFINISHED_STATUSES, then=Value(None, output_field=DateField())),
                   default=Greatest(F("late_from"), F("finished_on"), output_field=DateField()),
                   output_field=DateField())))
    became, ended = _became_and_ended_per_day(tickets)
    ends = [min(week + timedelta(days=6), last_day) for week in mondays]
    return {week: up_to_became - up_to_ended for week, up_to_became, up_to_ended
            in zip(mondays, _running_totals(became, ends), _running_totals(ended, ends), strict=True)}


def _running_totals(per_day: dict[date, int], ends: list[date]) -> list[int]:
    """For each day of `ends` (in order), the sum of the counts of the days up to it: one walk
    through the days (a year's weeks against a year's days summed again for every week took
    tens of milliseconds)."""
    days = sorted(per_day.items())
    totals, total, position = [], 0, 0
    for end in ends:
        while position < len(days) and days[position][0] <= end:
            total += days[position][1]
            position += 1
        totals.append(total)
    return totals


def _became_and_ended_per_day(tickets: QuerySet[ActionItem]) -> tuple[dict[date, int], dict[date, int]]:
    """How many tickets became overdue, and how many stopped being overdue, per day. PostgreSQL:
    both counts in one pass over the tickets (GROUPING SETS), the tickets' scope and their days
    computed once; SQLite has no GROUPING SETS: a GROUP BY query for each."""
    if connection.vendor != "postgresql":
        return _per_day(tickets, "late_from"), _per_day(tickets, "back_on_time")
    try:
        inner, params = tickets.order_by().values("late_from", "back_on_time").query.sql_with_params()
    except EmptyResultSet:  # a scope that can match nothing (e.g. a team without models)
        return {}, {}
    late_from, back_on_time = (connection.ops.quote_name(name) for name in ("late_from", "back_on_time"))
    # OFFSET 0: the days are computed once in the inner query, not copied into each grouping set.
    sql = (f"SELECT GROUPING({late_from}), {late_from}, {back_on_time}, COUNT(*) FROM ({inner} OFFSET 0) AS days "
           f"GROUP BY GROUPING SETS (({late_from}), ({back_on_time}))")
    became: dict[date, int] = {}
    ended: dict[date, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for not_became, became_on, ended_on, count in cursor.fetchall():
            found, counts = (ended_on, ended) if not_became else (became_on, became)
            if found is not None:
                counts[found.date() if isinstance(found, datetime) else found] = count
    return became, ended


def _per_day(tickets: QuerySet[ActionItem], day: str) -> dict[date, int]:
    """How many tickets per value of the `day` annotation (null: none), counted by GROUP BY: at
    most one row per calendar day, filtered in Python (no WHERE repeating the day's expression)."""
    rows = tickets.order_by().values(day).annotate(count=Count("pk")).values_list(day, "count")
    return {(found.date() if isinstance(found, datetime) else found): count for found, count in rows
            if found is not None}
