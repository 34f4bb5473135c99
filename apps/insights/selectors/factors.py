"""Incidents by contributing factor: filled in once post-mortems record contributing factors."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.incidents.models import Incident

from ..read_models import Slice


def incidents_by_factor(opened: QuerySet[Incident], *, links) -> list[Slice] | None:
    return None
