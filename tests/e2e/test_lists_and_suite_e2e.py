"""Through the pages only: a triager narrows the incident list to the high-severity ones and
searches it; a team member runs the model's regression suite on a candidate version from the
model page and watches the run to its verdicts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sklearn.dummy import DummyClassifier

from apps.incidents.services import incident_transition, incident_update
from apps.replays.services import expected_outcome_set
from tests.accounts.factories import access_world
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_incident_list_is_filtered_by_severity_and_searched(page, login):
    world = access_world()
    urgent = file_report(reporter=world.reporter, version=world.version, index=100, output="virginica",
                         title="Every invoice scored as fraud").incident
    also_high = file_report(reporter=world.reporter, version=world.version, index=60, output="versicolor",
                            title="A slow score page").incident
    incident_update(incident_id=urgent.pk, actor=world.member, severity="high")
    incident_update(incident_id=also_high.pk, actor=world.member, severity="high")
    login(world.member)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Incidents").click()
    rows = page.locator("table.incident-list tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("Severity").select_option("high")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(2)
    expect(page.locator("#incident-count")).to_have_text("2 incidents match.")

    # The list's own search box, not the one in the navigation that searches everything.
    search = page.get_by_role("search", name="Search and filter incidents").get_by_role("searchbox", name="Search")
    search.fill("invoice")
    search.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"INC-{urgent.pk} Every invoice scored as fraud")
    expect(rows.first.locator(".badge.severity-high")).to_have_text("High")
    # The filters live in the address: the view can be shared as it is.
    expect(page).to_have_url(re.compile(r"severity=high.*q=invoice|q=invoice.*severity=high"))

    page.get_by_role("link", name="Clear").click()
    expect(rows).to_have_count(3)


def test_the_regression_suite_runs_from_the_model_page(page, login):
    world = access_world()
    case = world.report
    expected_outcome_set(actor=world.member, report=case, predicate="equals", value=case.output)
    incident_transition(incident_id=case.incident_id, to="resolved", actor=world.member)
    candidate = trained_version("fraud-score", version="2.0", team=world.team,
                                estimator=DummyClassifier(strategy="constant", constant="virginica"))
    login(world.member)

    page.goto("/models/")
    page.get_by_role("link", name=re.compile("fraud-score")).first.click()
    suite = page.locator("#suite-run")
    expect(page.locator("#suite-cases summary")).to_have_text("1 case")
    suite.get_by_label("Run the suite on version").select_option(str(candidate.pk))
    suite.get_by_role("button", name="Run the suite").click()

    expect(page).to_have_url(re.compile(r"/replays/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("The suite runs on version 2.0: 1 case.")
    expect(page.locator("#count-regressed")).to_contain_text("1", timeout=30_000)
