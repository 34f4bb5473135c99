"""Reads of contributing factors: a post-mortem's list (editor, meeting, print, export) and the
counts across incidents (insights, search facets), scoped like the incidents themselves."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from apps.core.taxonomy import RootCauseCategory
from apps.incidents.models import Incident
from apps.incidents.selectors import incident_visibility

from ..models import ContributingFactor, FactorCertainty, Postmortem


@dataclass(frozen=True)
class FactorRow:
    id: int
    category: str
    category_label: str
    description: str
    certainty: str
    certainty_label: str
    is_trigger: bool

    @property
    def is_potential(self) -> bool:
        return self.certainty == FactorCertainty.POTENTIAL


def contributing_factors(*, postmortem: Postmortem) -> list[FactorRow]:
    """The post-mortem's factors in the order they were added (the caller has checked access)."""
    return [FactorRow(id=factor.pk, category=factor.category, category_label=factor.get_category_display(),
                      description=factor.description, certainty=factor.certainty,
                      certainty_label=factor.get_certainty_display(), is_trigger=factor.is_trigger)
            for factor in ContributingFactor.objects.filter(postmortem=postmortem)]


@dataclass(frozen=True)
class FactorCount:
    category: str
    label: str
    incidents: int  # incidents with at least one factor of this category
    triggers: int  # incidents where a factor of this category was the trigger


def contributing_factor_counts(*, user, incidents: QuerySet[Incident] | None = None) -> list[FactorCount]:
    """Per category, how many incidents `user` may see have a contributing factor of it, most
    first; `incidents` narrows to a queryset (a filtered list, a date range). One aggregate query."""
    factors = ContributingFactor.objects.all()
    visible = incident_visibility(user)
    if visible is not None:
        factors = factors.filter(postmortem__incident__in=Incident.objects.filter(visible).values("pk"))
    if incidents is not None:
        factors = factors.filter(postmortem__incident__in=incidents.values("pk"))
    rows = (factors.values("category")
            .annotate(incidents=Count("postmortem__incident", distinct=True),
                      triggers=Count("postmortem__incident", filter=Q(is_trigger=True), distinct=True))
            .order_by("-incidents", "category"))
    labels = dict(RootCauseCategory.choices)
    return [FactorCount(category=row["category"], label=labels.get(row["category"], row["category"]),
                        incidents=row["incidents"], triggers=row["triggers"]) for row in rows]
