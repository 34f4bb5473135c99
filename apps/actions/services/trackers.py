"""Export of a ticket to an external tracker: a GitHub issue created through GitHub's REST API
(`POST /repos/{owner}/{repo}/issues`) when GITHUB_TRACKER_REPO and GITHUB_TRACKER_TOKEN are
set. The request is a TrackerExport row sent by a task after the commit, so a broker outage or
a tracker that is down loses nothing (the sweep sends a queued export again), and a refusal
(401, 404, 422 …) is recorded on the ticket for people to read and fix, never a server error.
On success the issue's `html_url` becomes the ticket's external link.

A POST that got no answer (or a server error) may still have created the issue, so every body
carries a hidden marker naming its export, and each retry first looks for an issue with that
marker among those touched since the export was asked for: found, it is linked, not created
again."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core import outbound
from apps.core.enqueue import delay_now, delay_on_commit
from apps.core.errors import Conflict

from ..models import ActionItem, ExportStatus, ReviewState, TrackerExport
from ..selectors import action_item_get_for_work
from .webhooks import CLOCK_TOLERANCE, UPDATED, ticket_event, ticket_payload

logger = logging.getLogger(__name__)

GITHUB = "github"
GITHUB_API_VERSION = "2022-11-28"


def github_configured() -> bool:
    return bool(settings.GITHUB_TRACKER_REPO and settings.GITHUB_TRACKER_TOKEN)


def _active_export(item_id: int) -> TrackerExport | None:
    return (TrackerExport.objects.filter(item_id=item_id, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING])
            .order_by("-created_at").first())


@transaction.atomic
def action_item_export_request(*, item_id: int, actor) -> TrackerExport:
    """Asks for the ticket's GitHub issue. Asking again while one is on its way returns that
    one; a ticket already linked to an issue is not exported twice."""
    if actor is not None:
        action_item_get_for_work(user=actor, item_id=item_id)
    item = ActionItem.objects.select_for_update().get(pk=item_id)
    if not github_configured():
        raise Conflict("No external tracker is configured: set GITHUB_TRACKER_REPO and GITHUB_TRACKER_TOKEN, or "
                       "paste the issue's address into the ticket's external link.")
    if item.review_state != ReviewState.ACCEPTED:
        raise Conflict(f"Action item {item.pk} is {item.review_state}, not a ticket: only accepted action items are "
                       "exported.", extra={"current": item.review_state})
    if item.external_url:
        raise Conflict(f"AI-{item.pk} already links to {item.external_url}; clear its external link first to "
                       "export it again.", extra={"external_url": item.external_url})
    running = _active_export(item.pk)
    if running is not None:
        return running
    export = TrackerExport.objects.create(item=item, tracker=GITHUB, requested_by=actor if _is_person(actor) else None)
    audit_record(actor=actor, action=AuditAction.ACTION_ITEM_EXPORT_REQUEST, target=item,
                 new={"tracker": GITHUB, "export": export.pk})
    from ..tasks import tracker_export_task

    delay_on_commit(tracker_export_task, export.pk)
    return export


def _is_person(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def export_marker(export: TrackerExport) -> str:
    """Names the export in the issue body (an HTML comment: GitHub does not show it), so a
    retry can find an issue an earlier attempt created without hearing back."""
    ticket_url = f"{settings.SITE_URL}{reverse('actions:detail', args=[export.item_id])}"
    return f"<!-- mlincidents-export: {ticket_url}#export-{export.pk} -->"


def github_issue(item: ActionItem, *, marker: str = "") -> dict[str, Any]:
    """The JSON body GitHub's "create an issue" endpoint takes."""
    ticket = ticket_payload(item)
    lines = [
        item.description.strip() or "_No description._",
        "",
        "---",
        f"Action item [AI-{item.pk}]({ticket['url']}) from the post-mortem of "
        f"[INC-{item.incident_id}]({ticket['incident']['url']}) ({item.incident.title}) on model "
        f"`{ticket['model']}`.",
        f"- Kind: {item.get_kind_display()}",
        f"- Scope: {item.get_scope_display()}",
        f"- Priority: {item.priority}",
        f"- Owner: {ticket['owner'] or 'nobody yet'}",
        f"- Due: {ticket['due_date'] or 'no date'}",
        *([marker] if marker else []),
    ]
    labels = [*settings.GITHUB_TRACKER_LABELS, item.kind, item.priority]
    return {"title": f"[AI-{item.pk}] {item.title}"[:256], "body": "\n".join(lines),
            "labels": list(dict.fromkeys(label for label in labels if label))}


def _github_issues_url() -> str:
    return f"{settings.GITHUB_API_URL.rstrip('/')}/repos/{settings.GITHUB_TRACKER_REPO}/issues"


def _github_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.GITHUB_TRACKER_TOKEN}", "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": GITHUB_API_VERSION}


def _github_create(export: TrackerExport) -> outbound.Outcome:
    body = json.dumps(github_issue(export.item, marker=export_marker(export))).encode()
    return outbound.post(_github_issues_url(), body=body, timeout=settings.TRACKER_TIMEOUT_SECONDS,
                         headers=_github_headers() | {"Content-Type": "application/json"})


# An issue an earlier attempt created is among the newest; one page of them is looked at.
LOOKUP_PAGE_SIZE = 100
# GitHub's clock and ours may disagree a little about when the export was asked for.
LOOKUP_CLOCK_SKEW = timedelta(minutes=5)


def _github_find(export: TrackerExport) -> tuple[outbound.Outcome, str | None]:
    """Looks for the issue an earlier attempt of this export may have created: the issues
    updated since the export was asked for (a new issue counts), newest first, whose body
    carries the export's marker. Returns the answer and the issue's address if found."""
    since = (export.created_at - LOOKUP_CLOCK_SKEW).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    query = urlencode({"state": "all", "since": since, "sort": "created", "direction": "desc",
                       "per_page": LOOKUP_PAGE_SIZE})
    outcome = outbound.get(f"{_github_issues_url()}?{query}", headers=_github_headers(),
                           timeout=settings.TRACKER_TIMEOUT_SECONDS)
    if not outcome.ok:
        return outcome, None
    marker = export_marker(export)
    try:
        issues = json.loads(outcome.body)
    except ValueError:
        issues = None
    for issue in issues if isinstance(issues, list) else []:
        if isinstance(issue, dict) and marker in str(issue.get("body") or ""):
            return outcome, _issue_url(issue.get("html_url"))
    return outcome, None


def _github_message(outcome: outbound.Outcome) -> str:
    """GitHub explains a refusal in `message` (and `errors` for a 422)."""
    try:
        answer = json.loads(outcome.body or b"{}")
    except ValueError:
        return outcome.summary()
    if not isinstance(answer, dict) or "message" not in answer:
        return outcome.summary()
    details = "; ".join(str(error.get("message") or error.get("code") or error)
                        for error in answer.get("errors", []) if isinstance(error, dict))
    hint = {401: " Check GITHUB_TRACKER_TOKEN.", 403: " The token may lack the Issues permission, or a rate limit "
            "was hit.", 404: " Check GITHUB_TRACKER_REPO and that the token can see it."}.get(outcome.status or 0, "")
    text = f"GitHub answered {outcome.status}: {answer['message']}" + (f" ({details})" if details else "")
    return f"{text.rstrip('.')}.{hint}" if hint else text


def _created_issue_url(outcome: outbound.Outcome) -> str | None:
    try:
        answer = json.loads(outcome.body)
    except ValueError:
        return None
    return _issue_url(answer.get("html_url")) if isinstance(answer, dict) else None


def _issue_url(url: object) -> str | None:
    try:
        URLValidator(schemes=["https", "http"])(url)
    except (ValidationError, TypeError):
        return None
    return url if isinstance(url, str) and len(url) <= 500 else None


def export_retry_delay(attempt: int) -> float:
    base = settings.TRACKER_EXPORT_BACKOFF_SECONDS
    return float(min(base * 2 ** (attempt - 1), 3600))


@dataclass(frozen=True)
class Exported:
    status: str
    retry_in: float | None = None


def tracker_export_run(*, export_id: int, now: datetime | None = None) -> Exported | None:
    """Creates the issue once. Claimed by compare-and-set, so a duplicate message does nothing
    (None). Server errors and no answer are retried (the task schedules `retry_in`); other
    answers fail the export with GitHub's explanation, kept on the ticket."""
    now = now or timezone.now()
    claimed = TrackerExport.objects.filter(
        pk=export_id, status=ExportStatus.QUEUED, next_attempt_at__lte=now + CLOCK_TOLERANCE,
    ).update(status=ExportStatus.RUNNING, attempts=F("attempts") + 1, next_attempt_at=now, updated_at=now)
    if not claimed:
        return None
    export = TrackerExport.objects.select_related("item__incident__model", "item__owner",
                                                  "item__fixed_in_version").get(pk=export_id)
    item = export.item
    if not github_configured():
        return _finish(export, status=ExportStatus.FAILED, error="GITHUB_TRACKER_REPO or GITHUB_TRACKER_TOKEN is no "
                                                                 "longer set; no issue was created.")
    if item.external_url:
        return _finish(export, status=ExportStatus.FAILED, error=f"The ticket was linked to {item.external_url} "
                                                                 "meanwhile; no issue was created.")
    if export.attempts > 1:  # an earlier attempt heard no clear "no": it may have created the issue
        outcome, found = _github_find(export)
        if found is not None:
            _link_issue(export=export, url=found)
            return _finish(export, status=ExportStatus.SUCCEEDED, code=outcome.status, url=found)
        if not outcome.ok:  # without knowing, creating could make a second issue
            return _failed_attempt(export, outcome, now=now)
    outcome = _github_create(export)
    if outcome.ok:
        url = _created_issue_url(outcome)
        if url is None:
            return _finish(export, status=ExportStatus.FAILED, code=outcome.status,
                           error="GitHub answered without the issue's html_url: the issue may exist; link it by "
                                 "hand.")
        _link_issue(export=export, url=url)
        return _finish(export, status=ExportStatus.SUCCEEDED, code=outcome.status, url=url)
    return _failed_attempt(export, outcome, now=now)


def _failed_attempt(export: TrackerExport, outcome: outbound.Outcome, *, now: datetime) -> Exported:
    message = _github_message(outcome) if outcome.status else outcome.error
    if outcome.retryable and export.attempts < settings.TRACKER_EXPORT_MAX_ATTEMPTS:
        retry_in = export_retry_delay(export.attempts)
        TrackerExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.QUEUED, error=f"{message} (attempt {export.attempts}; trying again)",
            last_status_code=outcome.status, next_attempt_at=now + timedelta(seconds=retry_in),
            updated_at=timezone.now())
        return Exported(status=ExportStatus.QUEUED, retry_in=retry_in)
    logger.warning("GitHub export %s of AI-%s failed: %s", export.pk, export.item_id, message)
    return _finish(export, status=ExportStatus.FAILED, code=outcome.status, error=message)


def _finish(export: TrackerExport, *, status: str, error: str = "", code: int | None = None,
            url: str = "") -> Exported:
    TrackerExport.objects.filter(pk=export.pk, status=ExportStatus.RUNNING).update(
        status=status, error=error, last_status_code=code, external_url=url, updated_at=timezone.now())
    return Exported(status=status)


@transaction.atomic
def _link_issue(*, export: TrackerExport, url: str) -> None:
    item = ActionItem.objects.select_for_update(of=("self",)).select_related("incident__model", "owner",
                                                                 "fixed_in_version").get(pk=export.item_id)
    if item.external_url:
        return
    item.external_url = url
    item.version += 1
    item.updated_at = timezone.now()
    item.save(update_fields=["external_url", "version", "updated_at"])
    changes = {"old": {"external_url": ""}, "new": {"external_url": url}}
    audit_record(actor=export.requested_by, action=AuditAction.ACTION_ITEM_EXPORT, target=item,
                 new={"tracker": export.tracker, "external_url": url})
    ticket_event(item=item, event=UPDATED, actor=export.requested_by, changes=changes)


def tracker_exports_sweep(*, now: datetime | None = None, limit: int = 200) -> int:
    """Sends again exports no task is going to run: queued well past their time (a broker
    outage, a lost retry), or claimed by a worker that died."""
    now = now or timezone.now()
    TrackerExport.objects.filter(
        status=ExportStatus.RUNNING, next_attempt_at__lt=now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT),
    ).update(status=ExportStatus.QUEUED)
    overdue = now - timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS)
    ids = list(TrackerExport.objects.filter(status=ExportStatus.QUEUED, next_attempt_at__lt=overdue)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    from ..tasks import tracker_export_task

    return sum(delay_now(tracker_export_task, export_id) for export_id in ids)
