"""Medians in SQL without a percentile aggregate, the same on PostgreSQL and SQLite: number the
rows by value in a window (per group), keep the middle one or two, and average those. The
database returns at most two rows per group, never the whole column."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber


def medians(queryset: QuerySet, *, value: str, group: str | None = None, with_count: bool = False) -> dict[Any, Any]:
    """`{group value: median of value}` (key None without a group) over the rows whose `value`
    annotation is not null. With an even count the median is the mean of the middle two. With
    `with_count`, each median comes with how many rows it was taken over: `(median, count)`."""
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
    return {key: ((sum(found, timedelta()) / len(found), counts[key]) if with_count
                  else sum(found, timedelta()) / len(found)) for key, found in middles.items()}
