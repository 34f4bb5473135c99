"""Reporters hear back by e-mail when their report's incident is triaged, resolved, declined or
reopened — at most one e-mail per person per incident an hour, and none once they switch it off."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts.services import account_settings_update
from apps.incidents.services import incident_transition
from apps.notifications.models import ReporterUpdate
from apps.notifications.reporter_updates import reporter_update_send
from apps.notifications.tasks import reporter_updates_queue_task, reporter_updates_sweep_task
from tests.accounts.factories import UserFactory, access_world
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    world = access_world()
    trained_version(world.model.name, "1.1", team=world.team)
    world.on_commit = django_capture_on_commit_callbacks
    return world


def _move(world, to: str, **kwargs):
    with world.on_commit(execute=True):
        incident_transition(incident_id=world.incident.pk, to=to, actor=world.member, **kwargs)


def _an_hour_later(minutes: int = 61):
    later = timezone.now() + timedelta(minutes=minutes)
    return mock.patch("django.utils.timezone.now", return_value=later)


def test_the_reporter_is_told_at_once_when_the_team_triages(world):
    _move(world, "triaged")

    [message] = mail.outbox
    assert message.to == [world.reporter.email]
    assert message.subject == f"WTF-{world.report.pk}: the team confirmed the problem and will work on it"
    assert f"Your report WTF-{world.report.pk} “{world.report.title}”" in message.body
    assert "Where it stands now: The team confirmed it and will work on it." in message.body
    assert f"/reports/{world.report.pk}/" in message.body and "/reports/mine/" in message.body
    assert "/account/" in message.body


def test_changes_within_the_hour_wait_and_go_together_in_one_email(world):
    _move(world, "triaged")
    _move(world, "resolved", fixed_in_version="1.1")
    _move(world, "open")
    reporter_updates_sweep_task()

    assert len(mail.outbox) == 1, "a second e-mail within the hour"
    with _an_hour_later():
        reporter_updates_sweep_task()
        reporter_updates_sweep_task()

    assert len(mail.outbox) == 2
    second = mail.outbox[1].body
    assert "fixed in version 1.1" in second and "reopened: the team is looking at it again" in second
    assert second.index("fixed in version 1.1") < second.index("reopened")
    assert "Where it stands now: Received: the team has not looked at it yet." in second


def test_a_decline_carries_the_teams_explanation(world):
    _move(world, "declined", note="Scores above 0.9 are expected for first-time customers.")

    [message] = mail.outbox
    assert "declined: the model behaves as intended — Scores above 0.9 are expected" in message.subject + message.body


def test_moves_reporters_are_not_told_about_send_nothing(world):
    _move(world, "investigating")
    _move(world, "mitigated")

    assert mail.outbox == [] and not ReporterUpdate.objects.exists()


def test_each_reporter_of_the_incident_gets_their_own_email(world):
    other = UserFactory(username="second-reporter")
    second = file_report(reporter=other, version=world.version)
    assert second.incident_id == world.incident.pk
    file_report(reporter=world.bot, version=world.version, index=1)  # bots have no inbox

    _move(world, "resolved", fixed_in_version="1.1")

    assert sorted(message.to[0] for message in mail.outbox) == sorted([world.reporter.email, other.email])
    assert all(message.subject.endswith("fixed in version 1.1") for message in mail.outbox)


def test_switched_off_on_the_account_page_means_no_email_even_if_already_queued(world):
    _move(world, "triaged")
    _move(world, "resolved", fixed_in_version="1.1")  # waits for the hour
    account_settings_update(user=world.reporter, email_report_updates=False, actor=world.reporter)
    _move(world, "open")

    with _an_hour_later():
        reporter_updates_sweep_task()

    assert len(mail.outbox) == 1
    assert ReporterUpdate.objects.filter(skipped=True).count() == 1


def test_people_without_an_address_get_nothing(world):
    world.reporter.email = ""
    world.reporter.save()

    _move(world, "triaged")

    assert mail.outbox == []


def test_a_task_delivered_twice_queues_and_sends_one_email(world):
    with mock.patch("apps.notifications.tasks.reporter_updates_queue_task.delay") as queued:
        _move(world, "triaged")
    [change] = [call.args[0] for call in queued.call_args_list]

    reporter_updates_queue_task(change)
    reporter_updates_queue_task(change)

    update = ReporterUpdate.objects.get()
    assert len(mail.outbox) == 1 and update.sent_at is not None and len(update.changes) == 1
    assert reporter_update_send(update_id=update.pk) is False


def test_a_failed_send_is_tried_again_by_the_sweep(world):
    with mock.patch("apps.notifications.reporter_updates.send_mail", side_effect=ConnectionRefusedError):
        _move(world, "triaged")
    assert mail.outbox == []

    reporter_updates_sweep_task()
    assert mail.outbox == [], "claimed by the failed send until the claim expires"
    with _an_hour_later(minutes=11):
        reporter_updates_sweep_task()
    assert len(mail.outbox) == 1
