from __future__ import annotations

from django.db.models import Count, Q

from apps.registry.models import Model


def feedback_counts(*, model: Model) -> list[dict]:
    """Per version, newest first: thumbs up, thumbs down, and how many downs became reports."""
    rows = (model.versions.order_by("-created_at", "-id")
            .annotate(up=Count("feedback", filter=Q(feedback__verdict="up")),
                      down=Count("feedback", filter=Q(feedback__verdict="down")),
                      filed=Count("feedback", filter=Q(feedback__report__isnull=False)))
            .values("version", "up", "down", "filed"))
    return [{"version": row["version"], "up": row["up"], "down": row["down"], "reports": row["filed"],
             "total": row["up"] + row["down"]} for row in rows]
