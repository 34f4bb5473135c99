"""The review meeting as a presentation, in a real browser at projector size: one person presents
full screen, a second screen follows their slides, steps away and comes back; toasts belong to
the slide they were said on; Next stops at the last slide; nothing scrolls sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.demo.postmortem import HOME_MODEL
from apps.demo.services import DEMO_PASSWORD, DEMO_USERNAME
from apps.postmortems.models import Postmortem
from tests.e2e.conftest import log_in
from tests.e2e.demo_copy import seed_demo_once

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PROJECTOR = {"width": 1920, "height": 1080}
# Within a few seconds: the other screen polls every two.
FOLLOWS_WITHIN_MS = 6_000


def _screen(browser, live_server, username: str):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=PROJECTOR)
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in(page, username, DEMO_PASSWORD)
    return page


def _overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


def test_a_second_screen_follows_the_presenter_steps_away_and_comes_back(browser, live_server):
    seed_demo_once()
    postmortem = Postmortem.objects.get(incident__model__name=HOME_MODEL, status="in_review")
    url = f"/postmortems/meeting/{postmortem.incident_id}/"
    presenter, viewer = _screen(browser, live_server, DEMO_USERNAME), _screen(browser, live_server, "sam")
    try:
        for screen in (presenter, viewer):
            screen.goto(url)
            expect(screen.locator("#facts")).to_be_visible()
        follow = viewer.get_by_role("checkbox", name="Follow the presenter")
        expect(follow).to_be_checked()

        # Presenting: no app navigation, the whole width, type for the back of the room.
        presenter.get_by_role("button", name="Present").click()
        expect(presenter.get_by_role("navigation", name="Main")).to_be_hidden()
        expect(presenter.locator("#presenter-status")).to_contain_text("You are presenting")
        expect(presenter.get_by_role("button", name="← Previous")).to_be_disabled()
        width = presenter.evaluate("() => document.getElementById('facts').getBoundingClientRect().width")
        assert width > 1700, f"the slide uses {width:.0f} of 1,920 px"
        expect(viewer.locator("#presenter-status")).to_contain_text(f"{DEMO_USERNAME} is presenting · Facts",
                                                                   timeout=FOLLOWS_WITHIN_MS)

        # Every slide fits the projector's width; the last one has no Next.
        for _ in range(8):
            assert _overflow(presenter) <= 0
            presenter.get_by_role("button", name="Next →").click()
        expect(presenter.locator("#review")).to_be_visible()
        assert _overflow(presenter) <= 0
        expect(presenter.get_by_role("button", name="Next →")).to_be_disabled()
        expect(viewer.locator("#review")).to_be_visible(timeout=FOLLOWS_WITHIN_MS)
        font = presenter.evaluate("() => parseFloat(getComputedStyle(document.querySelector('#review')).fontSize)")
        badge = presenter.evaluate(
            "() => parseFloat(getComputedStyle(document.querySelector('#review .badge')).fontSize)")
        assert font >= 24 and badge >= 16, (font, badge)  # 1.5rem and 1rem

        # The impact slide's query wraps inside its box instead of running off the screen.
        presenter.get_by_role("navigation", name="Sections").get_by_role("link", name="Impact").click()
        expect(presenter.locator("#impact pre")).to_be_visible()
        assert presenter.evaluate("() => { const pre = document.querySelector('#impact pre');"
                                  " return pre.scrollWidth <= pre.clientWidth; }")
        expect(viewer.locator("#impact")).to_be_visible(timeout=FOLLOWS_WITHIN_MS)

        # The viewer steps away by hand: follow turns off, and the presenter's moves no longer move them.
        viewer.locator("h1").click()
        viewer.keyboard.press("ArrowRight")
        expect(viewer.locator("#lessons")).to_be_visible()
        expect(follow).not_to_be_checked()
        back = viewer.get_by_role("button", name="Back to the presenter")
        expect(back).to_be_visible()
        presenter.get_by_role("button", name="← Previous").click()
        expect(viewer.locator("#presenter-status")).to_contain_text("is presenting · Root cause",
                                                                   timeout=FOLLOWS_WITHIN_MS)
        expect(viewer.locator("#lessons")).to_be_visible()

        # Back to the presenter: following again, on the presenter's slide.
        back.click()
        expect(viewer.locator("#root_cause")).to_be_visible()
        expect(follow).to_be_checked()
        expect(back).to_be_hidden()

        # A toast said on one slide is gone when the room moves on to the next.
        comment = viewer.locator("#root_cause").get_by_label("Add a comment")
        comment.fill("Is the segment ever re-chosen after sign-up?")
        viewer.locator("#root_cause").get_by_role("button", name="Comment").click()
        expect(viewer.locator("#live-status")).to_have_text("Comment added.")
        presenter.get_by_role("button", name="Next →").click()
        expect(viewer.locator("#impact")).to_be_visible(timeout=FOLLOWS_WITHIN_MS)
        expect(viewer.locator("#live-status")).to_have_text("")

        # Previous is disabled on the first slide; Escape leaves the presentation.
        presenter.get_by_role("navigation", name="Sections").get_by_role("link", name="Facts").click()
        expect(presenter.get_by_role("button", name="← Previous")).to_be_disabled()
        expect(presenter.get_by_role("button", name="Next →")).to_be_enabled()
        presenter.locator("h1").click()
        presenter.keyboard.press("Escape")
        expect(presenter.get_by_role("navigation", name="Main")).to_be_visible()
        expect(viewer.locator("#facts")).to_be_visible(timeout=FOLLOWS_WITHIN_MS)
    finally:
        for screen in (presenter, viewer):
            screen.context.close()


def test_the_meeting_changes_hands_and_the_reporter_only_follows(browser, live_server):
    seed_demo_once()
    postmortem = Postmortem.objects.get(incident__model__name=HOME_MODEL, status="in_review")
    url = f"/postmortems/meeting/{postmortem.incident_id}/"
    screens = [_screen(browser, live_server, name) for name in ("sam", "casey", DEMO_USERNAME)]
    sam, casey, demo = screens
    try:
        sam.goto(url + "#whys")
        sam.get_by_role("button", name="Present").click()
        expect(sam.locator("#presenter-status")).to_contain_text("You are presenting")

        # casey filed the report: she sees the meeting and follows it, but cannot present.
        casey.goto(url)
        expect(casey.locator("#whys")).to_be_visible(timeout=FOLLOWS_WITHIN_MS)
        expect(casey.get_by_role("button", name="Present")).to_have_count(0)
        expect(casey.get_by_role("button", name="Take over presenting")).to_have_count(0)

        # demo takes over; sam's screen notices and follows demo from then on, like casey's.
        demo.goto(url)
        demo.get_by_role("button", name="Take over presenting").click()
        expect(demo.locator("#presenter-status")).to_contain_text("You are presenting")
        demo.get_by_role("button", name="Next →").click()
        for screen in (sam, casey):
            expect(screen.locator("#presenter-status")).to_contain_text(f"{DEMO_USERNAME} is presenting",
                                                                        timeout=FOLLOWS_WITHIN_MS)
            expect(screen.locator("#root_cause")).to_be_visible(timeout=FOLLOWS_WITHIN_MS)
        expect(sam.get_by_role("checkbox", name="Follow the presenter")).to_be_checked()
    finally:
        for screen in screens:
            screen.context.close()


def test_the_facts_slide_words_its_flags_and_shows_the_screenshot(browser, live_server):
    """On the projector the most suspicious input reads as on the report page: the flag in words,
    the categories quoted as code (not a Python repr), and the customer's screenshot loaded."""
    seed_demo_once()
    postmortem = Postmortem.objects.get(incident__model__name=HOME_MODEL, status="in_review")
    screen = _screen(browser, live_server, DEMO_USERNAME)
    try:
        screen.goto(f"/postmortems/meeting/{postmortem.incident_id}/")
        suspicious = screen.locator("#facts .suspicious-input").first
        expect(suspicious.locator(".badge.flag")).to_have_text("unusual combination")
        expect(suspicious.locator("code", has_text="womens_bags").first).to_be_visible()
        expect(suspicious).not_to_contain_text("unusual_combination")
        expect(suspicious).not_to_contain_text("'womens_bags'")
        thumbnail = screen.locator("#facts img.thumbnail").first
        thumbnail.scroll_into_view_if_needed()
        expect(thumbnail).to_be_visible()
        screen.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    finally:
        screen.context.close()
