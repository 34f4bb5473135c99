"""Medians in SQL. PostgreSQL: `percentile_cont(0.5) WITHIN GROUP (ORDER BY …)`, an ordered-set
aggregate, per group in one GROUP BY — each row's value is computed once. SQLite has no percentile
aggregate, so there the same answer comes from window functions: number the rows by value (per
group), keep the middle one or two, and average those. Either way the database returns at most
two rows per group, never the whole column."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, QuerySet, Window
from django.db.models.functions import RowNumber


class _Median(Aggregate):
    """PostgreSQL's continuous median (the mean of the middle two for an even count), of intervals."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def medians(queryset: QuerySet, *, value: str, group: str | None = None, with_count: bool = False) -> dict[Any, Any]:
    """`{group value: median of value}` (key None without a group) over the rows whose `value`
    annotation is not null. With an even count the median is the mean of the middle two. With
    `with_count`, each median comes with how many rows it was taken over: `(median, count)`."""
    if connection.vendor == "postgresql":
        found = _medians_aggregate(queryset, value=value, group=group)
    else:
        found = _medians_window(queryset, value=value, group=group)
    return {key: (median, count) if with_count else median for key, (median, count) in found.items()}


def medians_with_overall(queryset: QuerySet, *, value: str,
                         group: str) -> tuple[dict[Any, tuple[timedelta, int]], tuple[timedelta | None, int]]:
    """`({group value: (median, count)}, (overall median, overall count))`: per group and over all
    the rows at once. PostgreSQL: one query (GROUPING SETS), each row's value computed once — a
    value that is a correlated subquery (the time to detect) is not looked up twice. SQLite: the
    two window queries of `medians`."""
    if connection.vendor != "postgresql":
        return (medians(queryset, value=value, group=group, with_count=True),
                medians(queryset, value=value, with_count=True).get(None, (None, 0)))
    quote = connection.ops.quote_name
    try:
        inner, params = queryset.order_by().values(group, value).query.sql_with_params()
    except EmptyResultSet:  # a scope that can match nothing (e.g. a team without models)
        return {}, (None, 0)
    # OFFSET 0 keeps PostgreSQL from folding the inner query into the outer one, which would
    # copy the value's expression into both aggregates (and run its subquery twice per row).
    sql = (f"SELECT GROUPING({quote(group)}), {quote(group)}, "
           f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {quote(value)}), COUNT({quote(value)}) "
           f"FROM ({inner} OFFSET 0) AS measured GROUP BY GROUPING SETS (({quote(group)}), ())")
    per_group, overall = {}, (None, 0)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for everything, key, median, count in cursor.fetchall():
            if everything:
                overall = (median, count) if count else (None, 0)
            elif count:
                per_group[key] = (median, count)
    return per_group, overall


def _medians_aggregate(queryset: QuerySet, *, value: str, group: str | None) -> dict[Any, tuple[timedelta, int]]:
    measures = {"_median": _Median(value), "_count": Count(value)}
    if group is None:
        row = queryset.order_by().aggregate(**measures)
        return {None: (row["_median"], row["_count"])} if row["_count"] else {}
    rows = queryset.order_by().values(group).annotate(**measures).values_list(group, "_median", "_count")
    return {key: (median, count) for key, median, count in rows if count}


def _medians_window(queryset: QuerySet, *, value: str, group: str | None) -> dict[Any, tuple[timedelta, int]]:
    partition = [F(group)] if group else None
    # Nulls are numbered last and not counted (COUNT(value) skips them), so they are never in the
    # middle — without a WHERE on the value, which would make the database compute it again.
    ranked = (queryset
              .annotate(_position=Window(RowNumber(), partition_by=partition,
                                         order_by=[F(value).asc(nulls_last=True), F("pk").asc()]),
                        _count=Window(Count(value), partition_by=partition))
              # Rows ⌊(n+1)/2⌋ and ⌊(n+2)/2⌋: the one middle row twice for odd n, the two for even n.
              .filter(_count__gt=0, _position__gte=(F("_count") + 1) / 2, _position__lte=(F("_count") + 2) / 2))
    middles: dict[Any, list[timedelta]] = defaultdict(list)
    counts: dict[Any, int] = {}
    for key, found, count in ranked.values_list(group or "pk", value, "_count"):
        middles[key if group else None].append(found)
        counts[key if group else None] = count
    return {key: (sum(found, timedelta()) / len(found), counts[key]) for key, found in middles.items()}
