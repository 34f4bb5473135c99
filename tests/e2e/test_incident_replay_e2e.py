"""A team member asks "does 2.0 fix it?" from the incident page alone: replays the incident's
reports on the logged version and on a newer one, and reads one verdict per version."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sklearn.dummy import DummyClassifier

from tests.accounts.factories import access_world
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_replay_an_incident_on_another_version_and_read_the_verdicts(page, login):
    world = access_world()
    file_report(reporter=world.member, version=world.version, index=1)  # a second report, same problem
    # The newer version answers "virginica" whatever it is asked: it changes the answer.
    trained_version("fraud-score", "2.0", estimator=DummyClassifier(strategy="constant", constant="virginica"))
    login(world.member)
    page.goto(f"/incidents/{world.incident.pk}/")

    panel = page.locator("#replays")
    version = panel.get_by_label("Version of fraud-score")
    expect(version).to_have_value("2.0")  # the newest is the default
    version.select_option("1.0")
    panel.get_by_role("button", name="Replay on this version").click()
    expect(panel.get_by_role("status")).to_contain_text("2 reports on version 1.0: 2 reproduced, 0 changed")
    expect(panel.get_by_role("status")).not_to_contain_text("started")

    panel.get_by_role("button", name="Replay on this version").click()  # back to the newest: 2.0
    expect(panel.get_by_role("status")).to_contain_text("on version 2.0: 0 reproduced, 2 changed")

    verdicts = panel.get_by_role("table")
    expect(verdicts.get_by_role("row")).to_have_count(3)  # the header and one row per version
    expect(verdicts.get_by_role("row", name="1.0")).to_contain_text("2 of 2 reproduce")
    expect(verdicts.get_by_role("row", name="2.0")).to_contain_text("2 of 2 change the answer")
    expect(panel.locator("#verdict-summary")).to_have_text("1.0: 2 of 2 reproduce · 2.0: 2 of 2 change the answer")
