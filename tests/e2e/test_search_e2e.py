"""A team member searches from the navigation, narrows by a facet and opens a result."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.search.factories import search_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_search_from_the_navigation_and_open_a_result(page, login):
    world = search_world()
    login(world.member)

    box = page.get_by_role("navigation", name="Main").locator("xpath=..").get_by_role("searchbox", name="Search",
                                                                                         exact=True)
    box.fill("milliseconds")
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/search/\?q=milliseconds$"))
    expect(page.get_by_role("heading", level=2, name=re.compile("4 results for “milliseconds”"))).to_be_visible()
    first = page.locator(".search-hit").first
    expect(first.locator(".badge")).to_have_text("Post-mortem")
    expect(first.locator("mark").first).to_have_text(re.compile("milliseconds", re.IGNORECASE))

    page.get_by_role("complementary", name="Narrow the results").get_by_role("link", name="Report", exact=True).click()
    expect(page.get_by_role("heading", level=2, name=re.compile("2 results"))).to_be_visible()
    page.get_by_role("link", name="Scores look off for returning customers").click()

    expect(page).to_have_url(re.compile(rf"/reports/{world.passing_report.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scores look off for returning customers")
