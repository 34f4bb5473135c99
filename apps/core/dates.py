"""Calendar days as datetimes in the current time zone: the edges that date filters and the
daily charts need (a day filter that ends at midnight UTC would drop an evening's reports)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def day_end(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.max))


def last_days_start(days: int, *, today: date | None = None) -> datetime:
    """The start of the first of the last `days` days, today included."""
    return day_start((today or timezone.localdate()) - timedelta(days=days - 1))
