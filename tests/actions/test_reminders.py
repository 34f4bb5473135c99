"""Daily reminders of overdue and soon-due tickets, with a frozen clock: owners get an e-mail,
the model's channel a message, at most once per ticket per day however often beat fires."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.utils import timezone

from apps.actions.models import ActionItem, ActionItemReminder, ReminderKind
from apps.actions.services import action_item_reminders_send, action_item_transition
from apps.actions.tasks import action_item_reminders_task
from apps.incidents.services import incident_update
from tests.notifications.factories import model_webhook

from .factories import accepted_ticket, ticket_world

pytestmark = pytest.mark.django_db

TODAY = date(2031, 3, 10)


@pytest.fixture
def world(settings):
    settings.ACTION_ITEM_REMIND_DAYS_BEFORE = 3
    world = ticket_world()
    world.late = _due(accepted_ticket(world, title="Add the unit check"), TODAY - timedelta(days=2))
    world.soon = _due(accepted_ticket(world, title="Alert on drift", owner="reviewer"), TODAY + timedelta(days=3))
    _due(world.item, TODAY + timedelta(days=4))  # outside the window
    return world


def _due(item: ActionItem, when: date) -> ActionItem:
    ActionItem.objects.filter(pk=item.pk).update(due_date=when)
    item.refresh_from_db()
    return item


def test_owners_are_emailed_about_their_overdue_and_soon_due_tickets(world, mailoutbox):
    sent = action_item_reminders_send(today=TODAY)

    assert (sent.claimed, sent.emails) == (2, 2)
    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert set(by_recipient) == {"member@example.com", "reviewer@example.com"}
    late = by_recipient["member@example.com"]
    assert "1 action item needs you (1 overdue)" in late.subject
    assert f"AI-{world.late.pk} “Add the unit check” — OVERDUE by 2 days (was due 2031-03-08)" in late.body
    assert f"/actions/{world.late.pk}/" in late.body and "/actions/mine/" in late.body
    assert "due in 3 days (2031-03-13)" in by_recipient["reviewer@example.com"].body
    kinds = dict(ActionItemReminder.objects.values_list("item_id", "kind"))
    assert kinds == {world.late.pk: ReminderKind.OVERDUE, world.soon.pk: ReminderKind.DUE_SOON}
    assert ActionItemReminder.objects.filter(emailed=True, day=TODAY).count() == 2


def test_beat_firing_twice_the_same_day_reminds_once_and_the_next_day_again(world, mailoutbox):
    action_item_reminders_send(today=TODAY)
    again = action_item_reminders_send(today=TODAY)

    assert again.claimed == 0 and len(mailoutbox) == 2
    tomorrow = action_item_reminders_send(today=TODAY + timedelta(days=1))
    # Tomorrow the third ticket is due within three days too.
    assert tomorrow.claimed == 3 and len(mailoutbox) == 2 + 2
    assert ActionItemReminder.objects.filter(item=world.late).count() == 2


def test_the_beat_task_uses_today_s_date(world, mailoutbox):
    frozen = timezone.make_aware(timezone.datetime(2031, 3, 10, 8, 5))
    with mock.patch("django.utils.timezone.now", return_value=frozen):
        action_item_reminders_task.delay()
        action_item_reminders_task.delay()

    assert len(mailoutbox) == 2
    assert set(ActionItemReminder.objects.values_list("day", flat=True)) == {TODAY}


def test_finished_and_unaccepted_tickets_are_not_reminded(world, mailoutbox):
    action_item_transition(item_id=world.late.pk, actor=world.member, to="done")
    action_item_transition(item_id=world.soon.pk, actor=world.member, to="wont_do", reason="Superseded by AI-1.")

    assert action_item_reminders_send(today=TODAY).claimed == 0
    assert mailoutbox == []


def test_the_model_s_channel_hears_of_its_tickets_except_restricted_ones(world, fake_server, mailoutbox):
    model_webhook(world.model, f"{fake_server.url}/hooks/fraud")

    sent = action_item_reminders_send(today=TODAY)

    assert sent.chat_messages == 1
    [message] = fake_server.received
    text = message.json()["text"]
    assert text.startswith(":alarm_clock: fraud-score: 2 action items overdue or due soon")
    assert f"AI-{world.late.pk} “Add the unit check” — OVERDUE by 2 days" in text and "owner member" in text
    assert ActionItemReminder.objects.filter(chat_sent=True).count() == 2

    incident_update(incident_id=world.incident.pk, actor=None, restricted=True)
    action_item_reminders_send(today=TODAY + timedelta(days=1))
    assert len(fake_server.received) == 1  # owners are still e-mailed; the channel hears nothing
    assert len(mailoutbox) == 4


def test_a_channel_that_opted_out_hears_nothing(world, fake_server):
    model_webhook(world.model, f"{fake_server.url}/hooks/fraud", on_reminder=False)

    action_item_reminders_send(today=TODAY)

    assert fake_server.received == []


def test_failures_to_send_are_recorded_and_do_not_stop_the_run(world, fake_server, mailoutbox, settings):
    fake_server.answers = [(500, None)]
    model_webhook(world.model, f"{fake_server.url}/hooks/fraud")
    world.reviewer.email = ""
    world.reviewer.save(update_fields=["email"])

    sent = action_item_reminders_send(today=TODAY)

    assert sent.claimed == 2 and sent.emails == 1 and sent.chat_messages == 0
    errors = dict(ActionItemReminder.objects.values_list("item_id", "error"))
    assert "reviewer has no address" in errors[world.soon.pk]
    assert "Chat failed" in errors[world.late.pk]
    # Once a day means once: a failed send is not retried until tomorrow's run.
    assert action_item_reminders_send(today=TODAY).claimed == 0


def test_an_smtp_outage_is_recorded_on_the_reminder(world):
    with mock.patch("apps.actions.services.reminders.send_mail", side_effect=ConnectionRefusedError("smtp down")):
        sent = action_item_reminders_send(today=TODAY)

    assert sent.claimed == 2 and sent.emails == 0
    assert all("E-mail failed: ConnectionRefusedError" in error
               for error in ActionItemReminder.objects.values_list("error", flat=True))


def test_a_run_that_lost_the_race_for_a_ticket_sends_nothing_about_it(world, mailoutbox):
    """Two beats at once: the other run inserted the (item, day) row first."""
    import uuid

    ActionItemReminder.objects.create(item=world.late, day=TODAY, kind=ReminderKind.OVERDUE, run=uuid.uuid4())

    sent = action_item_reminders_send(today=TODAY)

    assert sent.claimed == 1
    assert [message.to for message in mailoutbox] == [["reviewer@example.com"]]


def test_beat_reminds_daily_and_sweeps_the_outbox_every_minute(settings):
    from celery.schedules import crontab

    from mlincidents.celery import app

    reminders = settings.CELERY_BEAT_SCHEDULE["remind-action-items"]
    sweep = settings.CELERY_BEAT_SCHEDULE["sweep-ticket-outbox"]

    assert isinstance(reminders["schedule"], crontab) and reminders["schedule"].hour == {8}
    assert sweep["schedule"] == 60
    assert {reminders["task"], sweep["task"]} <= set(app.tasks)
