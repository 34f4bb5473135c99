"""Incidents by contributing factor: each category counts the incidents whose post-mortem names
it among its contributing factors (once per incident, however many factors of that category)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from apps.incidents.models import Incident
from apps.postmortems.models import ContributingFactor, RootCauseCategory

from ..read_models import Slice


def incidents_by_factor(opened: QuerySet[Incident], *, links) -> list[Slice]:
    labels = dict(RootCauseCategory.choices)
    rows = (ContributingFactor.objects.filter(postmortem__incident__in=opened.values("pk")).order_by()
            .values("category").annotate(count=Count("postmortem__incident", distinct=True))
            .order_by("-count", "category"))
    return [Slice(key=row["category"], label=labels.get(row["category"], row["category"]), incidents=row["count"],
                  url=links.incidents(factor=row["category"])) for row in rows]
