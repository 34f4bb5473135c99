"""Daily reminders of overdue and soon-due tickets: an e-mail to each owner listing theirs, and
a message in each model's chat channel (its ModelWebhook). At most one reminder per ticket per
day, however often the task runs: a run first claims each ticket's (item, day) row under a
unique constraint, and sends only the rows it claimed."""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone

from apps.notifications.models import ModelWebhook
from apps.notifications.services import WebhookRefused, WebhookTemporarilyFailed, webhook_post

from ..models import ActionItem, ActionItemReminder, ReminderKind
from ..selectors import action_items_to_remind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RemindersSent:
    claimed: int
    emails: int
    chat_messages: int


def _link(item: ActionItem) -> str:
    return f"{settings.SITE_URL}{reverse('actions:detail', args=[item.pk])}"


def _when(item: ActionItem, today: date) -> str:
    days = (item.due_date - today).days
    if days < 0:
        return f"OVERDUE by {-days} day{'s' if days != -1 else ''} (was due {item.due_date.isoformat()})"
    if days == 0:
        return "due TODAY"
    return f"due in {days} day{'s' if days != 1 else ''} ({item.due_date.isoformat()})"


def _line(item: ActionItem, today: date) -> str:
    return (f"AI-{item.pk} “{item.title}” — {_when(item, today)}, {item.get_status_display().lower()}, "
            f"{item.priority}; INC-{item.incident_id} on {item.incident.model.name} — {_link(item)}")


def action_item_reminders_send(*, today: date | None = None) -> RemindersSent:
    """Reminds owners (e-mail) and model channels (chat webhook) of the tickets overdue or due
    within ACTION_ITEM_REMIND_DAYS_BEFORE days. `today` is for tests and catch-up runs. A
    failure to send is recorded on the reminder rows (and logged), not retried: tomorrow's
    reminder comes anyway."""
    today = today or timezone.localdate()
    run = uuid.uuid4()
    candidates = list(action_items_to_remind(today=today))
    ActionItemReminder.objects.bulk_create(
        [ActionItemReminder(item=item, day=today, run=run,
                            kind=ReminderKind.OVERDUE if item.due_date < today else ReminderKind.DUE_SOON,
                            owner_email=item.owner.email if item.owner_id else "")
         for item in candidates],
        ignore_conflicts=True,  # a row already there is another run's claim
    )
    claimed_ids = set(ActionItemReminder.objects.filter(run=run).values_list("item_id", flat=True))
    claimed = [item for item in candidates if item.pk in claimed_ids]
    emailed, email_errors = _email_owners(claimed, today)
    chatted, chat_errors = _tell_channels(claimed, today)
    rows = ActionItemReminder.objects.filter(run=run)
    rows.filter(item_id__in=emailed).update(emailed=True)
    rows.filter(item_id__in=chatted).update(chat_sent=True)
    for item_id, error in _merge(email_errors, chat_errors).items():
        rows.filter(item_id=item_id).update(error=error[:2000])
    return RemindersSent(claimed=len(claimed), emails=len({item.owner_id for item in claimed if item.pk in emailed}),
                         chat_messages=len({item.incident.model_id for item in claimed if item.pk in chatted}))


def _merge(*errors: dict[int, str]) -> dict[int, str]:
    merged: dict[int, list[str]] = defaultdict(list)
    for found in errors:
        for item_id, error in found.items():
            merged[item_id].append(error)
    return {item_id: " ".join(messages) for item_id, messages in merged.items()}


def _email_owners(items: list[ActionItem], today: date) -> tuple[set[int], dict[int, str]]:
    by_owner: dict[int, list[ActionItem]] = defaultdict(list)
    errors: dict[int, str] = {}
    for item in items:
        if item.owner_id and item.owner.email:
            by_owner[item.owner_id].append(item)
        else:
            errors[item.pk] = "No e-mail: the ticket has no owner." if not item.owner_id else \
                f"No e-mail: {item.owner.get_username()} has no address."
    sent: set[int] = set()
    for owned in by_owner.values():
        owner = owned[0].owner
        overdue = sum(1 for item in owned if item.due_date < today)
        subject = (f"[mlincidents] {len(owned)} action item{'s' if len(owned) != 1 else ''} "
                   + (f"need{'s' if len(owned) == 1 else ''} you ({overdue} overdue)" if overdue else "due soon"))
        body = "\n".join([
            f"Hello {owner.get_short_name() or owner.get_username()},",
            "",
            "These action items you own are overdue or due soon:",
            "",
            *[f"- {_line(item, today)}" for item in owned],
            "",
            "Move them along on the board, or say why they won't be done: "
            f"{settings.SITE_URL}{reverse('actions:mine')}",
        ])
        try:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [owner.email])
        except Exception as exc:  # SMTP down or refusing: recorded on the rows, the run goes on
            logger.exception("Could not e-mail the action-item reminder to %s", owner.email)
            errors.update({item.pk: f"E-mail failed: {exc.__class__.__name__}: {exc}" for item in owned})
            continue
        sent.update(item.pk for item in owned)
    return sent, errors


def _tell_channels(items: list[ActionItem], today: date) -> tuple[set[int], dict[int, str]]:
    by_model: dict[int, list[ActionItem]] = defaultdict(list)
    for item in items:
        # A restricted incident is never announced in a channel (as for incident notifications).
        if not item.incident.restricted:
            by_model[item.incident.model_id].append(item)
    webhooks = {hook.model_id: hook for hook in
                ModelWebhook.objects.filter(model_id__in=list(by_model), on_reminder=True)}
    sent: set[int] = set()
    errors: dict[int, str] = {}
    for model_id, listed in by_model.items():
        webhook = webhooks.get(model_id)
        if webhook is None:
            continue
        text = "\n".join([f":alarm_clock: {listed[0].incident.model.name}: {len(listed)} action item"
                          f"{'s' if len(listed) != 1 else ''} overdue or due soon",
                          *[f"• {_line(item, today)} — owner {item.owner.get_username() if item.owner_id else 'nobody'}"
                            for item in listed]])
        try:
            webhook_post(url=webhook.url, text=text)
        except (WebhookTemporarilyFailed, WebhookRefused, OSError) as exc:
            logger.warning("Could not post the action-item reminder to %s's channel: %s", model_id, exc)
            errors.update({item.pk: f"Chat failed: {exc}" for item in listed})
            continue
        sent.update(item.pk for item in listed)
    return sent, errors
