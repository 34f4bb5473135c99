"""Every main page on a meeting-room projector (1920×1080) — and, in the accessibility test's
phone pass (test_accessibility_e2e.py), which loads every page at 390×844 anyway, on a phone —
never scrolls sideways (wide tables scroll inside their own region), and on the phone the
navigation folds behind a Menu button that opens it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.demo.services import DEMO_PASSWORD, DEMO_USERNAME
from tests.e2e.conftest import demo_main_pages, sideways_overflow, submit_sign_in
from tests.e2e.demo_copy import seed_demo_once

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "projector": {"width": 1920, "height": 1080}}


def test_no_main_page_scrolls_sideways_on_a_projector(browser, live_server):
    """The phone width is checked page by page in the accessibility test's phone pass, which
    loads the same pages at 390 px: loading them a second time here would only cost time."""
    seed_demo_once()
    pages = demo_main_pages()
    too_wide = []
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["projector"], locale="en-US")
    page = context.new_page()
    try:
        log_in_anywhere(page)
        for label, url in pages.items():
            response = page.goto(url)
            assert response.status < 400, f"{label} ({url}) answered {response.status}"
            if (extra := sideways_overflow(page)) > 0:
                too_wide.append(f"{label} at projector width: {extra} px too wide ({url})")
    finally:
        context.close()
    assert too_wide == []


# static/css/app.css folds the navigation behind the Menu button at this width and below.
FOLDED_UP_TO = 760


def log_in_anywhere(page) -> None:
    """Signs in on any screen size: on a phone the Menu button must open the navigation first.
    Whether this is a phone is the test's own viewport, not a look at the page: a look taken
    before the signed-in page had arrived saw no Menu button and skipped the click."""
    submit_sign_in(page, DEMO_USERNAME, DEMO_PASSWORD)
    menu = page.get_by_role("button", name="Menu")
    navigation = page.get_by_role("navigation", name="Main")
    if page.viewport_size["width"] <= FOLDED_UP_TO:
        expect(navigation).to_be_hidden()
        menu.click()
    else:
        expect(menu).to_be_hidden()
    expect(navigation).to_be_visible()


def test_on_a_phone_the_navigation_opens_from_the_menu_button_and_closes_with_escape(browser, live_server):
    seed_demo_once()
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["phone"], locale="en-US")
    page = context.new_page()
    try:
        log_in_anywhere(page)
        navigation = page.get_by_role("navigation", name="Main")
        navigation.get_by_role("link", name="Incidents").click()
        expect(navigation).to_be_hidden()
        menu = page.get_by_role("button", name="Menu")
        expect(menu).to_have_attribute("aria-expanded", "false")
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(navigation.get_by_role("link", name="Reports")).to_be_visible()
        page.keyboard.press("Escape")
        expect(navigation).to_be_hidden()
        expect(menu).to_be_focused()
    finally:
        context.close()


def _one_line(page) -> bool:
    """Whether the bar's first and last items (Report a WTF, the search box, the person's menu) share one line."""
    nav = page.get_by_role("navigation", name="Main")
    boxes = [nav.get_by_role("link", name="Report a WTF").bounding_box(),
             nav.get_by_role("searchbox", name="Search").bounding_box(),
             nav.locator("#person-menu > summary").bounding_box()]
    middles = [box["y"] + box["height"] / 2 for box in boxes]
    return max(middles) - min(middles) < 12


@pytest.mark.parametrize("width", [1440, 1280])
def test_an_admins_navigation_fits_one_line_and_its_person_menu_works_from_the_keyboard(browser, live_server, width):
    seed_demo_once()
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        log_in_anywhere(page)  # the demo user is an admin: Audit and Admin are in the menu too
        assert _one_line(page), f"the navigation wraps at {width} px"
        nav = page.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Insights")).to_be_visible()
        expect(nav.get_by_role("link", name="Admin")).to_be_hidden()

        nav.locator("#person-menu > summary").focus()
        page.keyboard.press("Enter")
        for name in ("Account", "Tokens", "Audit", "Admin"):
            expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
        expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
        assert sideways_overflow(page) <= 0
        page.keyboard.press("Escape")
        expect(nav.get_by_role("link", name="Admin")).to_be_hidden()
        expect(nav.locator("#person-menu > summary")).to_be_focused()

        # A list page's actions sit in its header, not inside the heading and at its size.
        page.goto("/reports/mine/")
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text("My reports")
        report = page.locator("main").get_by_role("link", name="Report a WTF")
        expect(report).to_be_visible()
        size = report.evaluate("a => parseFloat(getComputedStyle(a).fontSize)")
        assert size < heading.evaluate("h => parseFloat(getComputedStyle(h).fontSize)")
    finally:
        context.close()


def test_on_a_phone_the_person_menu_opens_inside_the_navigation(browser, live_server):
    seed_demo_once()
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORTS["phone"], locale="en-US")
    page = context.new_page()
    try:
        log_in_anywhere(page)
        nav = page.get_by_role("navigation", name="Main")
        nav.locator("#person-menu > summary").click()
        nav.get_by_role("link", name="Account", exact=True).click()
        expect(page).to_have_url(re.compile(r"/account/$"))
        assert sideways_overflow(page) <= 0
    finally:
        context.close()


def test_the_incident_s_tag_box_lines_up_with_its_header_on_a_phone_and_a_laptop(browser, live_server):
    seed_demo_once()
    incident_page = demo_main_pages()["incident"]
    for size in (VIEWPORTS["phone"], {"width": 1440, "height": 900}):
        context = browser.new_context(base_url=live_server.url, viewport=size, locale="en-US")
        page = context.new_page()
        try:
            log_in_anywhere(page)
            page.goto(incident_page)
            heading = page.get_by_role("heading", level=1).bounding_box()
            tag_box = page.get_by_label("New tag").bounding_box()
            console = page.locator(".console").bounding_box()
            assert abs(tag_box["x"] - heading["x"]) < 2, f"the tag box is indented at {size['width']} px"
            assert tag_box["y"] + tag_box["height"] < console["y"]  # above the console, not on it
        finally:
            context.close()


def test_filter_bars_line_up_their_boxes_and_the_screenshot_picker_is_a_button(browser, live_server):
    seed_demo_once()
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1440, "height": 900}, locale="en-US")
    page = context.new_page()
    try:
        log_in_anywhere(page)
        for url, form in (("/incidents/", ".list-filters"), ("/insights/", "#insights-filters"),
                          ("/audit/", ".audit-filters")):
            page.goto(url)
            heights = page.locator(f"{form} select, {form} input[type=date], {form} input[type=search], "
                                   f"{form} input[type=text]").evaluate_all(
                "boxes => boxes.map(box => Math.round(box.getBoundingClientRect().height))")
            assert len(heights) > 2 and max(heights) - min(heights) <= 1, f"{url}: boxes of heights {heights}"
            buttons = page.locator(f"{form} .filter-buttons .button").evaluate_all(
                "buttons => buttons.map(button => Math.round(button.getBoundingClientRect().top))")
            assert len(set(buttons)) == 1, f"{url}: the filter buttons do not share a line ({buttons})"
        page.goto("/audit/")  # a long old → new value breaks inside its cell: the trail fits a laptop's width
        region = page.get_by_role("region", name="Audit events")
        assert region.evaluate("region => region.scrollWidth <= region.clientWidth")
        page.goto("/search/?q=cultivar")  # a long facet wraps beside its count, not above it
        offsets = page.locator(".search-facets li").evaluate_all(
            "items => items.map(li => Math.abs(li.querySelector('a').getBoundingClientRect().top"
            " - li.querySelector('.muted').getBoundingClientRect().top))")
        assert offsets and max(offsets) < 4, offsets
        editor = demo_main_pages()["post-mortem editor"].replace("section=whys", "section=impact")
        page.goto(editor)  # the three counts of the impact side by side
        tops = {round(page.get_by_label(name).bounding_box()["y"])
                for name in ("Affected predictions", "Affected users", "Affected requests")}
        assert len(tops) == 1, tops
        page.goto("/reports/new/")
        picker = page.locator("input[type=file]").evaluate(
            "input => getComputedStyle(input, '::file-selector-button').borderTopColor")
        assert picker == "rgb(36, 84, 214)"  # the design's accent, as on every other button
    finally:
        context.close()
