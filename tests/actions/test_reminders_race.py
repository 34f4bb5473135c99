"""Beat firing the reminder task several times at the same moment (two beat processes, a
restart), from real concurrent transactions: each ticket is reminded once that day. Needs
PostgreSQL: SQLite runs one writer at a time, so there is no race to lose there."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, connections

from apps.actions.models import ActionItem, ActionItemReminder
from apps.actions.services import action_item_reminders_send

from .factories import accepted_ticket, ticket_world

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"),
]

RUNS = 5
TODAY = date(2031, 3, 10)


def test_concurrent_runs_remind_each_ticket_once(mailoutbox):
    world = ticket_world()
    ActionItem.objects.filter(pk=world.item.pk).update(due_date=TODAY + timedelta(days=30))  # not due yet
    for index in range(6):
        item = accepted_ticket(world, title=f"Late {index}", owner="member" if index % 2 else "reviewer")
        ActionItem.objects.filter(pk=item.pk).update(due_date=TODAY - timedelta(days=index))
    barrier = threading.Barrier(RUNS)
    claimed: list[int] = []
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait(timeout=30)
            claimed.append(action_item_reminders_send(today=TODAY).claimed)
        except BaseException as error:  # collected and asserted on in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(RUNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(claimed) == 6 and ActionItemReminder.objects.count() == 6
    reminded = [line for message in mailoutbox for line in message.body.splitlines() if line.startswith("- AI-")]
    assert len(reminded) == 6
