"""In a real browser: the demo's report whose flavanoids came from another bottle. Every value
is inside its training range; the page still leads with the borrowed value, says in words why
it does not fit, suggests the repair, and shows that with it the model gives the lab sheet's
answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.reports.models import Report
from tests.e2e.demo_copy import seed_demo_once

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_demo_value_from_another_row_ranks_its_culprit_first(page, login):
    from apps.demo.services import DEMO_PASSWORD, DEMO_USERNAME

    seed_demo_once()
    report = Report.objects.get(title__startswith="A bold red")
    login(DEMO_USERNAME, DEMO_PASSWORD)

    page.goto(f"/reports/{report.pk}/")
    expect(page.locator("#finding")).to_contain_text("does not fit the rest of this input")
    first_row = page.locator("table.checks tbody tr").first
    expect(first_row.locator("th code")).to_have_text("flavanoids")
    expect(first_row.locator(".badge.flag")).to_have_text("does not fit the others")
    expect(first_row).to_contain_text("predict about")
    expect(first_row.locator(".suggestion")).to_contain_text("Suggested: flavanoids")
    # Only the borrowed value is flagged: the features it misleads stay quiet.
    expect(page.locator("table.checks .badge.flag")).to_have_count(1)
    # Tried on the model after intake: the repair gives the lab sheet's answer.
    repair = page.locator("#repairs li").first
    expect(repair).to_contain_text("the model answers class_2 instead of class_1")
