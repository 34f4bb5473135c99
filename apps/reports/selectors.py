from __future__ import annotations

from django.db.models import QuerySet

from apps.core.errors import NotFound

from .models import Report


def report_list(*, user) -> QuerySet[Report]:
    return Report.objects.select_related("model", "model_version", "incident", "reporter").order_by(
        "-created_at", "-id"
    )


def report_get(*, user, report_id: int) -> Report:
    report = report_list(user=user).filter(pk=report_id).first()
    if report is None:
        raise NotFound(f"There is no report {report_id}, or you may not see it.")
    return report
