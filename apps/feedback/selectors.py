from __future__ import annotations

import hashlib
from datetime import datetime

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from apps.accounts.access import user_access
from apps.core.errors import NotFound
from apps.registry.models import Model

from .models import Feedback, PublishableKey


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


def publishable_key_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def publishable_key_authenticate(secret: str) -> PublishableKey | None:
    """The active key for this secret, or None (unknown or revoked)."""
    if not secret or len(secret) > 200:
        return None
    return (PublishableKey.objects.select_related("model")
            .filter(digest=publishable_key_digest(secret), revoked_at__isnull=True).first())


def publishable_keys_manageable(*, user) -> list[PublishableKey]:
    """The widget keys of the models `user` works on (all of them, for an admin)."""
    access = user_access(user)
    keys = PublishableKey.objects.select_related("model", "created_by").order_by("-created_at", "-id")
    if not access.is_admin:
        keys = keys.filter(Q(model__team_id__in=access.team_ids) | Q(model__team__isnull=True))
    return list(keys) if access.is_authenticated else []


def publishable_key_get_manageable(*, user, key_id: int) -> PublishableKey:
    key = next((key for key in publishable_keys_manageable(user=user) if key.pk == key_id), None)
    if key is None:
        raise NotFound(f"There is no widget key {key_id}, or you may not manage it.")
    return key
