"""Through the pages only: a team lead opens Insights from the navigation, reads the charts,
narrows them to a model, and follows a figure to the incidents it counts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.registry.models import Model
from tests.insights.factories import history

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_insights_page_renders_its_charts_and_each_figure_leads_to_its_incidents(page, login):
    past = history()
    Model.objects.filter(name="wine").update(display_name="Cellar picks (wine cultivar classifier)")
    login(past.member)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Insights", level=1)).to_be_visible()
    for title in ("Incidents opened and resolved per week", "Median time to detect and to resolve, by week",
                  "Action items overdue at the end of each week"):
        chart = page.get_by_role("img", name=re.compile(re.escape(title)))
        expect(chart).to_be_visible()
        assert chart.bounding_box()["height"] > 100
    expect(page.locator("#chart-flow rect.chart-series-opened")).not_to_have_count(0)
    expect(page.locator("#chart-speed polyline")).not_to_have_count(0)
    # A long model name wraps in its bar's label instead of being cut short.
    label = page.locator("#by-model .breakdown-label", has_text="Cellar picks")
    expect(label).to_have_text("Cellar picks (wine cultivar classifier)")
    assert label.evaluate("a => a.scrollWidth <= a.clientWidth && getComputedStyle(a).textOverflow !== 'ellipsis'")

    page.get_by_label("Model", exact=True).select_option("wine")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#stat-opened")).to_have_text("4")
    expect(page.locator("#stat-reopened")).to_have_text("25 %")

    page.locator("#insights-stats").get_by_role("link", name="Reopened").click()
    rows = page.locator("table.incident-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"INC-{past.c.pk}")
    expect(page.locator("#incident-narrowings")).to_contain_text("Came back: Reopened")
