"""The differential diagnosis in a real browser, on the demo: the proline report's Diagnosis
card names the unit change and the repair that gives what the reporter expected; the report
whose logged output does not reproduce says why; and on the incident's post-mortem, drafting the
whys from the diagnosis adds drafted hypotheses citing the diagnosis — once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.demo.services import DEMO_PASSWORD
from apps.incidents.models import EvidenceKind
from apps.postmortems.models import WhyNode
from apps.reports.models import Report
from tests.e2e.demo_copy import seed_demo_once

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_demo_diagnoses_and_drafting_the_whys_from_them(page, login):
    seed_demo_once()  # the diagnoses run after intake (in-process tasks, as in the embedded default)
    unit = Report.objects.get(title="Every wine on the cellar page is suddenly the same cultivar")
    logged = Report.objects.get(title="Chat bot and cellar page disagree about this wine")
    login("sam", DEMO_PASSWORD)

    page.goto(f"/reports/{unit.pk}/")
    card = page.locator("#diagnosis")
    expect(card.get_by_role("heading", name="Diagnosis")).to_be_visible()
    expect(card.locator("#diagnosis-summary")).to_contain_text(
        "Most likely proline was logged in another unit: divided by 1,000, the model answers class_1, "
        "which the reporter expected.")
    first = card.locator(".hypothesis").first
    expect(first.locator(".badge.kind")).to_have_text("Unit change on the input path")
    expect(first.locator(".counterfactual")).to_contain_text("class_1")
    expect(first.locator(".counterfactual")).to_contain_text("what was expected")
    first.get_by_text("How it was checked").click()
    expect(first.locator(".check-list")).to_contain_text("Counterfactual replay")

    page.goto(f"/reports/{logged.pk}/")
    expect(page.locator("#diagnosis .hypothesis").first.locator(".badge.kind")).to_have_text(
        "The logged output does not reproduce")
    expect(page.locator("#diagnosis-summary")).to_contain_text("does not come back from the logged inputs on any of "
                                                               "the 2 registered versions")

    page.goto(f"/incidents/{unit.incident_id}/")
    expect(page.locator("#diagnosis-summary")).to_contain_text("1 of 1 report points at unit change")
    page.get_by_role("button", name="Start the post-mortem").click()
    page.goto(f"/incidents/{unit.incident_id}/postmortem/?section=whys")
    page.get_by_role("button", name="Draft the whys from the diagnosis").click()
    expect(page.get_by_text("Drafted 1 hypothesis from the diagnosis")).to_be_visible()
    node = page.locator("li.why-node").first
    expect(node.locator(".why-question")).to_contain_text("Why did the model see proline in another unit")
    expect(node.locator(".drafted-badge")).to_have_text("drafted by the tracker")
    expect(node.get_by_role("link", name=f"Diagnosis of report #{unit.pk}")).to_be_visible()

    page.get_by_role("button", name="Draft the whys from the diagnosis").click()
    expect(page.get_by_text("nothing new to add")).to_be_visible()
    expect(page.locator("li.why-node")).to_have_count(1)
    drafted = WhyNode.objects.get(postmortem__incident_id=unit.incident_id)
    assert [(e.kind, e.ref_id) for e in drafted.evidence.all()] == [(EvidenceKind.DIAGNOSIS, unit.pk)]
