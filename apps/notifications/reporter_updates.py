"""Reporters hear back: an e-mail when the incident their report belongs to is triaged,
resolved (with the version carrying the fix), declined (with the explanation) or reopened.

Batching, so that a person gets at most one e-mail per incident per hour:
- a status change adds itself to the person's *open* ReporterUpdate for that incident, or
  opens one, due at once — or an hour after the last e-mail that went to them about it;
- an update due now is sent by a task right away; later ones by the sweep that beat runs every
  minute (`reporter_updates_sweep_task`);
- sending claims the row with a compare-and-set before the e-mail goes and marks it sent after:
  a task delivered twice sends once; a send that failed is claimed again by the sweep after
  CLAIM_EXPIRES. A change arriving while a row is being sent opens the next row, due an hour on.
Whether the person still wants the e-mail (their account page), and which of their reports are
in the incident, is read when it is sent, not when it was queued."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from apps.accounts.selectors import people_wanting_report_update_emails
from apps.incidents.for_reporters import change_for_reporter, status_for_reporter
from apps.incidents.hooks import StatusChange
from apps.reports.models import Report

from .models import ReporterUpdate

logger = logging.getLogger(__name__)

BATCH_WINDOW = timedelta(hours=1)
CLAIM_EXPIRES = timedelta(minutes=10)
SWEEP_BATCH = 500


def _open_update(*, user_id: int, incident_id: int) -> ReporterUpdate | None:
    return (ReporterUpdate.objects.select_for_update()
            .filter(user_id=user_id, incident_id=incident_id, sent_at__isnull=True, claimed_at__isnull=True).first())


def _next_due(*, user_id: int, incident_id: int, now: datetime) -> datetime:
    last = (ReporterUpdate.objects.filter(user_id=user_id, incident_id=incident_id, claimed_at__isnull=False,
                                          skipped=False).aggregate(last=Max("claimed_at"))["last"])
    return max(now, last + BATCH_WINDOW) if last else now


def _already_queued(*, user_id: int, incident_id: int, change: dict) -> bool:
    """A redelivered task queues nothing twice (a change is known by its time and status)."""
    recent = ReporterUpdate.objects.filter(user_id=user_id, incident_id=incident_id).order_by("-id")[:5]
    return any(seen.get("at") == change["at"] and seen.get("new") == change["new"]
               for update in recent for seen in update.changes)


def reporter_updates_queue(*, change: StatusChange) -> list[int]:
    """Adds `change` to the next e-mail of each of the incident's reporters who want one; returns
    the ids of the updates due now (the caller has them sent). Safe to run twice."""
    if not change.event:
        return []
    entry = change.as_json()
    reporter_ids = set(Report.objects.filter(incident_id=change.incident_id, reporter__isnull=False)
                       .values_list("reporter_id", flat=True))
    due_now = []
    now = timezone.now()
    for person_id in people_wanting_report_update_emails(user_ids=reporter_ids).values_list("pk", flat=True):
        with transaction.atomic():
            if _already_queued(user_id=person_id, incident_id=change.incident_id, change=entry):
                continue
            update = _open_update(user_id=person_id, incident_id=change.incident_id)
            if update is None:
                try:
                    with transaction.atomic():
                        update = ReporterUpdate.objects.create(
                            user_id=person_id, incident_id=change.incident_id,
                            due_at=_next_due(user_id=person_id, incident_id=change.incident_id, now=now))
                except IntegrityError:  # another change of the same incident opened it just now
                    update = _open_update(user_id=person_id, incident_id=change.incident_id)
            update.changes = [*update.changes, entry]
            update.save(update_fields=["changes"])
        if update.due_at <= now:
            due_now.append(update.pk)
    return due_now


def reporter_updates_due(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(ReporterUpdate.objects.filter(sent_at__isnull=True, due_at__lte=now)
                .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES))
                .order_by("due_at", "id").values_list("pk", flat=True)[:SWEEP_BATCH])


def reporter_update_send(*, update_id: int) -> bool:
    """Sends one update if it is due and nobody else is sending it; True when an e-mail went."""
    now = timezone.now()
    claimed = (ReporterUpdate.objects.filter(pk=update_id, sent_at__isnull=True, due_at__lte=now)
               .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES))
               .update(claimed_at=now))
    if not claimed:
        return False
    update = ReporterUpdate.objects.select_related("user", "incident__fixed_in_version").get(pk=update_id)
    reports = list(Report.objects.filter(incident_id=update.incident_id, reporter_id=update.user_id)
                   .order_by("created_at", "id")[:10])
    wanted = people_wanting_report_update_emails(user_ids=[update.user_id]).exists()
    if not wanted or not reports or not update.changes:
        ReporterUpdate.objects.filter(pk=update_id).update(sent_at=now, skipped=True)
        return False
    subject, body = reporter_update_message(update=update, reports=reports)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [update.user.email], fail_silently=False)
    except Exception:  # the sweep claims it again after CLAIM_EXPIRES
        logger.exception("Could not e-mail %s about INC-%s; trying again later", update.user, update.incident_id)
        return False
    ReporterUpdate.objects.filter(pk=update_id).update(sent_at=timezone.now())
    return True


def reporter_update_message(*, update: ReporterUpdate, reports: list[Report]) -> tuple[str, str]:
    incident = update.incident
    first = reports[0]
    lines = [change_for_reporter(change["event"], fixed_in_version=change.get("fixed_in_version"),
                                 note=change.get("note") or "") for change in update.changes]
    subject = f"WTF-{first.pk}: {lines[-1]}"[:150]
    if len(reports) == 1:
        about = f"Your report WTF-{first.pk} “{first.title}”"
    else:
        about = "Your reports " + ", ".join(f"WTF-{report.pk} “{report.title}”" for report in reports)
    version = incident.fixed_in_version.version if incident.fixed_in_version_id else None
    now_status = status_for_reporter(incident.status, fixed_in_version=version, note=incident.resolution_note)
    body = [f"Hello {update.user.get_full_name() or update.user.get_username()},", "", f"{about}:", ""]
    for change, line in zip(update.changes, lines, strict=True):
        at = timezone.localtime(datetime.fromisoformat(change["at"]))
        body.append(f"- {date_format(at, 'j M, H:i')}: {line}")
    body += ["", f"Where it stands now: {now_status.words}.", "",
             f"See it: {settings.SITE_URL}{first.get_absolute_url()}",
             f"All your reports: {settings.SITE_URL}{reverse('reports:mine')}", "",
             "You get this because you filed the report (at most one e-mail an hour about it). "
             f"To stop these e-mails: {settings.SITE_URL}{reverse('accounts:account')}"]
    return subject, "\n".join(body)
