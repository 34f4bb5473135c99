from __future__ import annotations

from django.db.models import QuerySet

from apps.core.errors import NotFound

from .models import Attachment, Report


def report_list(*, user) -> QuerySet[Report]:
    return Report.objects.select_related("model", "model_version", "incident", "reporter").order_by(
        "-created_at", "-id"
    )


def report_get(*, user, report_id: int) -> Report:
    report = report_list(user=user).filter(pk=report_id).first()
    if report is None:
        raise NotFound(f"There is no report {report_id}, or you may not see it.")
    return report


def attachment_list(*, user, report_id: int) -> QuerySet[Attachment]:
    report = report_get(user=user, report_id=report_id)
    return report.attachments.order_by("created_at", "id")


def attachment_get(*, user, report_id: int, attachment_id: int) -> Attachment:
    """Goes through report_get, so whoever may not see the report may not see its files either."""
    attachment = attachment_list(user=user, report_id=report_id).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFound(f"Report {report_id} has no attachment {attachment_id}.")
    return attachment
