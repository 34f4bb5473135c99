"""The post-mortem in a real browser: an engineer walks the guided editor on a seeded
incident, and in the review meeting a reviewer's decisions appear on a second screen without
it reloading."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.actions.models import ActionItem
from apps.demo.postmortem import HOME_MODEL
from apps.demo.services import DEMO_PASSWORD, DEMO_USERNAME
from apps.postmortems.models import Postmortem, WhyNode
from apps.reports.models import Report
from tests.e2e.conftest import log_in
from tests.e2e.demo_copy import seed_demo_once

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _node_with(page, answer: str):
    return page.locator("li.why-node").filter(has=page.locator(".why-answer", has_text=answer)).first


def test_an_engineer_walks_the_guided_editor_on_a_seeded_incident(page, login):
    seed_demo_once()
    report = Report.objects.get(title="Every wine on the cellar page is suddenly the same cultivar")
    login("sam", DEMO_PASSWORD)

    page.goto(f"/incidents/{report.incident_id}/")
    page.get_by_role("button", name="Start the post-mortem").click()
    expect(page.locator("#step-nav")).to_contain_text("Step 1 of 8 · Next: Timeline")
    expect(page.locator(f"#fact-report-{report.pk} .suspicious-input")).to_contain_text("proline")

    # Timeline: a moment added by hand, next to what the tracker recorded.
    page.get_by_role("link", name="Next: Timeline →").click()
    expect(page.locator("#step-nav")).to_contain_text("Step 2 of 8 · Next: Five whys")
    yesterday = timezone.localtime(timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("When").fill(yesterday)
    page.get_by_label("What happened").fill("Monday's release switched the shop to the new feature pipeline.")
    page.get_by_role("button", name="Add to the timeline").click()
    expect(page.locator("#timeline-list")).to_contain_text("switched the shop to the new feature pipeline")

    # Five whys, reached from the table of contents.
    page.get_by_role("navigation", name="Post-mortem sections").get_by_role("link", name="Five whys").click()
    expect(page.get_by_label("Question")).to_have_value(f"Why did “{report.incident.title}” happen?")
    page.get_by_label("Proposed answer (a hypothesis)").fill("Version 1.1 is worse at telling class_1 apart.")
    page.get_by_label("How to check it").fill("Replay the report on version 1.0.")
    page.get_by_role("button", name="Add hypothesis").click()
    guess = _node_with(page, "Version 1.1 is worse")
    expect(guess.locator(".why-status")).to_have_text("? unchecked")
    guess_id = WhyNode.objects.get(answer__startswith="Version 1.1").pk

    # Refuted with what the check showed; it stays on record.
    guess.get_by_label("What did the check show?").fill("The report was on 1.0 already: the model did not change.")
    guess.get_by_role("button", name=f"Refute #{guess_id}").click()
    guess = page.locator(f"#why-{guess_id}")
    expect(guess.locator(".why-status")).to_have_text("✗ refuted")
    expect(guess).to_contain_text("the model did not change")

    # The alternative is a sibling: another answer to the same question.
    guess.locator("summary", has_text="Another answer to this question").click()
    guess.get_by_label("Alternative answer").fill("Proline arrives in µg/L instead of mg/L since the new pipeline.")
    guess.get_by_role("button", name="Add the alternative").click()
    alternative_id = WhyNode.objects.get(answer__startswith="Proline arrives").pk
    alternative = page.locator(f"#why-{alternative_id}")
    alternative.get_by_label("What did the check show?").fill("Forensics: proline is 1000× the reference median.")
    alternative.get_by_role("button", name=f"Confirm #{alternative_id}").click()
    alternative = page.locator(f"#why-{alternative_id}")
    expect(alternative.locator(".why-status").first).to_have_text("✓ confirmed")
    expect(alternative.locator(".chain-badge").first).to_be_visible()
    expect(page.locator("#root-cause-chain")).to_contain_text("Proline arrives in µg/L")

    # Why again, of the confirmed answer: a child in the tree.
    alternative.locator("summary", has_text=f"Ask “why?” of #{alternative_id}").click()
    alternative.locator(f"#child-a-{alternative_id}").fill("The new pipeline's schema has no units to check.")
    alternative.get_by_role("button", name="Add the next why").click()
    expect(page.locator(f"#why-{alternative_id} > ul.why-tree > li.why-node")).to_contain_text(
        "The new pipeline's schema has no units")

    # Root cause: the category of bug, then on to the next step.
    page.get_by_role("navigation", name="Post-mortem sections").get_by_role("link", name="Root cause").click()
    page.get_by_label("Root-cause category").select_option("feature_pipeline")
    page.get_by_label("Root cause in a few sentences").fill("A unit changed on the live path without a check.")
    page.get_by_role("button", name="Save and continue to Impact").click()
    expect(page.locator("#step-nav")).to_contain_text("Step 5 of 8 · Next: Lessons")
    assert Postmortem.objects.get(incident_id=report.incident_id).root_cause_category == "feature_pipeline"

    # An action point for the class of bug.
    page.get_by_role("navigation", name="Post-mortem sections").get_by_role("link", name="Action points").click()
    page.get_by_label("What should be done").fill("Declare units in the feature schema and check them at intake")
    page.get_by_label("Kind").select_option("preventive")
    page.get_by_label("Scope").select_option("category")
    page.get_by_role("button", name="Propose").click()
    expect(page.locator("#action-list")).to_contain_text("Declare units in the feature schema")
    expect(page.locator("#action-list .review-state")).to_have_text("Proposed")

    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#review-panel .pm-status .badge")).to_have_text("In review")
    assert Postmortem.objects.get(incident_id=report.incident_id).status == "in_review"


def test_the_meeting_screen_shows_a_reviewer_s_decisions_live_on_another_screen(browser, live_server):
    seed_demo_once()
    postmortem = Postmortem.objects.get(incident__model__name=HOME_MODEL, status="in_review")
    unchecked = postmortem.why_nodes.get(status="proposed")
    proposed = ActionItem.objects.get(incident_id=postmortem.incident_id, review_state="proposed")
    url = f"/postmortems/meeting/{postmortem.incident_id}/"

    screens = {}
    for name, username in (("room", "sam"), ("reviewer", DEMO_USERNAME)):
        context = browser.new_context(base_url=live_server.url, locale="en-US")
        context.set_default_timeout(10_000)
        screens[name] = context.new_page()
        log_in(screens[name], username, DEMO_PASSWORD)
    room, reviewer = screens["room"], screens["reviewer"]
    try:
        for screen in (room, reviewer):
            screen.goto("/postmortems/meeting/")
            screen.get_by_role("link", name="A women's bag on the men's homepage").click()
            expect(screen).to_have_url(re.compile(re.escape(f"{live_server.url}{url}") + "(#.*)?$"))
            screen.get_by_role("navigation", name="Sections").get_by_role("link", name="Five whys").click()
            expect(screen.locator("#whys")).to_be_visible()
            expect(screen.locator("#facts")).to_be_hidden()
        # Anything that reloads the room's page would drop this.
        room.evaluate("() => { window.__stillTheSamePage = 'yes'; }")

        # 1. The reviewer confirms the last hypothesis.
        node = reviewer.locator(f"#whys #why-{unchecked.pk}")
        node.get_by_label("What did the check show?").fill("The checklist has no step for audience subgroups.")
        node.get_by_role("button", name=f"Confirm #{unchecked.pk}").click()
        expect(reviewer.locator("#live-status")).to_contain_text(f"Hypothesis #{unchecked.pk} is confirmed")
        expect(room.locator(f"#whys #why-{unchecked.pk}")).to_have_attribute("data-status", "confirmed")
        expect(room.locator(f"#whys #why-{unchecked.pk} .chain-badge")).to_be_visible()

        # 2. Both screens move to the action points with the keyboard; the reviewer accepts one.
        for screen in (room, reviewer):
            screen.locator("h1").click()  # focus out of any field: arrows move slides
            for _ in range(4):
                screen.keyboard.press("ArrowRight")
            expect(screen.locator("#actions")).to_be_visible()
        reviewer.locator(f"#actions #action-{proposed.pk}").get_by_role(
            "button", name=f"Accept AI-{proposed.pk}").click()
        expect(room.locator(f"#actions #action-{proposed.pk}")).to_have_attribute("data-review-state", "accepted")

        # 3. Nothing blocks approval any more: the reviewer approves from the review slide.
        for screen in (room, reviewer):
            screen.locator("h1").click()
            screen.keyboard.press("End")  # not a slide key: nothing happens
            screen.keyboard.press("ArrowRight")
            screen.keyboard.press("ArrowRight")
            expect(screen.locator("#review")).to_be_visible()
        expect(reviewer.locator("#review #blockers-none")).to_be_visible()
        reviewer.locator("#review").get_by_role("button", name="Approve").click()
        expect(room.locator("#review .pm-status .badge")).to_have_text("Approved")

        assert room.evaluate("() => window.__stillTheSamePage") == "yes"
        postmortem.refresh_from_db()
        assert postmortem.status == "approved" and postmortem.approved_by.username == DEMO_USERNAME
    finally:
        for screen in (room, reviewer):
            screen.context.close()
