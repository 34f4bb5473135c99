"""A person watching a large replay sees its progress bar move without reloading the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.replays.services import replay_chunk_run, replay_start
from tests.accounts.factories import UserFactory
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_replay_page_progress_bar_follows_the_chunks(page, login, settings):
    settings.REPLAY_CHUNK_SIZE = 2
    version = trained_version()
    user = UserFactory()
    reports = [file_report(reporter=user, version=version, index=i) for i in range(4)]
    # Queued, not sent: the test plays the worker, one chunk at a time.
    replay = replay_start(actor=user, model_version=version, reports=reports, dispatch=False)
    chunks = list(replay.chunks.order_by("index").values_list("pk", flat=True))
    login(user)

    page.goto(f"/replays/{replay.pk}/")
    bar = page.locator(".replay-progress progress")
    expect(bar).to_have_attribute("value", "0")
    expect(page.locator(".replay-progress")).to_contain_text("0 of 4 inputs · chunk 0 of 2")

    replay_chunk_run(chunk_id=chunks[0])
    expect(bar).to_have_attribute("value", "50")  # the page polls every two seconds
    expect(page.locator(".replay-progress")).to_contain_text("2 of 4 inputs · chunk 1 of 2")

    replay_chunk_run(chunk_id=chunks[1])
    expect(bar).to_have_attribute("value", "100")
    expect(page.locator("#count-matched")).to_have_text("4")
    expect(page.locator(".badge.status-succeeded")).to_be_visible()
