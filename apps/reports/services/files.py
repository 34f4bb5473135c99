from __future__ import annotations

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction

from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput

from ..attachments import attachment_inspect
from ..models import Attachment, Report


@transaction.atomic
def report_attachment_add(*, report: Report, upload: File, actor) -> Attachment:
    """Attaches a file (a screenshot, a CSV of inputs, a log) to a report. Its type is detected
    from its content; it is stored under a generated name and only served through the
    permission-checked download view."""
    inspected = attachment_inspect(upload=upload, max_bytes=settings.ATTACHMENT_MAX_BYTES)
    # Locking the report makes concurrent uploads count one after the other.
    report = Report.objects.select_for_update().get(pk=report.pk)
    limit = settings.ATTACHMENT_MAX_PER_REPORT
    if report.attachments.count() >= limit:
        message = f"A report can have at most {limit} attachments."
        raise InvalidInput(message, errors={"file": [message]})

    attachment = Attachment(
        report=report, original_name=inspected.original_name, content_type=inspected.content_type,
        size=inspected.size, sha256=inspected.sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    attachment.file.save("upload", ContentFile(inspected.data), save=False)
    try:
        attachment.save()
        audit_record(actor=actor, action=AuditAction.REPORT_ATTACHMENT_ADD, target=report, new={
            "attachment": attachment.pk, "original_name": attachment.original_name,
            "content_type": attachment.content_type, "size": attachment.size, "sha256": attachment.sha256,
        })
    except BaseException:
        # The row did not make it: do not leave an orphaned file behind.
        attachment.file.delete(save=False)
        raise
    return attachment
