from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from apps.registry.models import Model

from .models import Feedback


def feedback_counts(*, model: Model) -> list[dict]:
    """Per version, newest first: thumbs up, thumbs down, and how many downs became reports."""
    rows = (model.versions.order_by("-created_at", "-id")
            .annotate(up=Count("feedback", filter=Q(feedback__verdict="up")),
                      down=Count("feedback", filter=Q(feedback__verdict="down")),
                      filed=Count("feedback", filter=Q(feedback__report__isnull=False)))
            .values("version", "up", "down", "filed"))
    return [{"version": row["version"], "up": row["up"], "down": row["down"], "reports": row["filed"],
             "total": row["up"] + row["down"]} for row in rows]


def feedback_per_day(*, model: Model, since: datetime) -> dict:
    """{day: {"up": n, "down": m}} for the model's widget feedback since `since`."""
    rows = (Feedback.objects.filter(model=model, created_at__gte=since).annotate(day=TruncDate("created_at"))
            .values("day", "verdict").annotate(n=Count("id")).order_by())
    days: dict = {}
    for row in rows:
        days.setdefault(row["day"], {})[row["verdict"]] = row["n"]
    return days
