"""Reads for input forensics. The per-input checks against a version's reference statistics
(`input_checks`) live in the registry (apps/registry/reference_checks.py): incident grouping,
below this app, needs them too."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from apps.accounts.access import user_access
from apps.core.errors import NotFound
from apps.registry.models import Model
from apps.reports.models import Report

from .models import DriftReport, ReportForensics


def _workable_models_q(user) -> Q | None:
    access = user_access(user)
    if access.is_admin:
        return None
    return Q(model_version__model__team_id__in=access.team_ids) | Q(model_version__model__team__isnull=True)


def drift_report_list(*, user, model: Model | None = None) -> QuerySet[DriftReport]:
    """Drift reports of the models the user works on (the inference log is team work)."""
    if not user_access(user).is_authenticated:
        return DriftReport.objects.none()
    queryset = DriftReport.objects.select_related("model_version__model", "incident")
    visible = _workable_models_q(user)
    if visible is not None:
        queryset = queryset.filter(visible)
    if model is not None:
        queryset = queryset.filter(model_version__model=model)
    return queryset.order_by("-created_at", "-id")


def drift_report_get(*, user, drift_report_id: int) -> DriftReport:
    drift = drift_report_list(user=user).filter(pk=drift_report_id).first()
    if drift is None:
        raise NotFound(f"There is no drift report {drift_report_id}, or you may not see it.")
    return drift


def report_forensics_for(*, user, report: Report) -> ReportForensics | None:
    """The cached forensics of a report the user already sees, for the team only: neighbours
    and prevalence come from training data and the inference log."""
    if not user_access(user).can_work_on_team(report.model.team_id):
        return None
    return ReportForensics.objects.filter(report=report).first()


def prevalence_message(*, finding: dict[str, Any], today: date) -> str:
    """One prevalence finding in words. A finding is cached with the day it counted, so the
    same finding reads "today's" on that day and names its date afterwards (the page is read
    long after intake, e.g. in the post-mortem)."""
    day = finding.get("day")
    if day is None:  # counted before findings carried their day: the wording stored then
        return finding.get("message", "")
    is_today = day == today.isoformat()
    if not finding.get("total"):
        return ("No predictions of this version have been logged today yet." if is_today else
                f"No predictions of this version were logged on {day} (up to when this was counted).")
    predictions = f"{finding['total']:,} prediction{'' if finding['total'] == 1 else 's'}"
    logged = f"today's {predictions}" if is_today else f"the {predictions} logged on {day}"
    return f"{finding['share']:.1%} of {logged} have `{finding['feature']}` {finding['condition']}."
