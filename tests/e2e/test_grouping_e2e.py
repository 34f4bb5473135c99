"""A team member merges two incidents about the same problem from the incident page, with the
keyboard, and sees their reports together."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.incidents.models import IncidentStatus
from tests.accounts.factories import TeamFactory, UserFactory, member_of
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_team_member_merges_two_incidents_and_sees_the_reports_together(page, login):
    team = TeamFactory()
    version = trained_version("iris", team=team)
    # Two outputs, so grouping opened two incidents; a person knows they are one problem.
    target = file_report(reporter=UserFactory(), version=version, index=0, title="Setosa on the shop page").incident
    source = file_report(reporter=UserFactory(), version=version, index=100, title="Virginica on the shop page")
    source_incident = source.incident
    login(member_of(team))

    page.goto(f"/incidents/{source_incident.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"INC-{source_incident.pk}")
    merge_into = page.get_by_label("Merge this incident into")
    merge_into.focus()
    merge_into.select_option(value=str(target.pk))
    expect(merge_into.locator("option:checked")).to_contain_text(f"INC-{target.pk} Setosa on the shop page")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Merge")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/incidents/{target.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text(f"INC-{source_incident.pk} is merged into INC-{target.pk}")
    reports = page.locator("#reports")
    expect(reports.get_by_role("link", name=re.compile("Setosa on the shop page"))).to_be_visible()
    expect(reports.get_by_role("link", name=re.compile("Virginica on the shop page"))).to_be_visible()
    expect(page.locator("#report-count")).to_have_text("2 reports from 2 reporters")

    source_incident.refresh_from_db()
    assert source_incident.status == IncidentStatus.DUPLICATE and source_incident.merged_into_id == target.pk
    page.goto(f"/incidents/{source_incident.pk}/")
    expect(page.get_by_text(f"Duplicate of INC-{target.pk}")).to_be_visible()
