"""An incident page tells the team what it has seen before: the version registered just before
the pattern first showed is named as a suspect, a similar past incident is offered with its
reasons, and marking it "not similar" or adding a tag changes the page in place."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.forensics.onset import incident_onset_compute
from apps.incidents.models import IncidentSignal, SignalKind
from tests.accounts.factories import TeamFactory, member_of
from tests.incidents.factories import opened_incident, unit_change_story

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_incident_page_shows_a_suspect_change_and_a_similar_past_incident(page, login):
    team = TeamFactory(slug="botany")
    member = member_of(team)
    incident, version = unit_change_story(reporter=member, team=team)
    incident_onset_compute(incident_id=incident.pk)
    pattern = IncidentSignal.objects.filter(incident=incident, kind=SignalKind.FLAG).values_list(
        "value", flat=True).first()
    earlier = opened_incident(model=version.model, title="Petal length arrives in millimetres from the scanner",
                              pattern=pattern)
    login(member)

    page.goto(f"/incidents/{incident.pk}/")
    page.evaluate("window.stillTheSamePage = true")

    suspects = page.get_by_role("list", name="Suspect changes")
    expect(suspects.get_by_role("listitem").first).to_contain_text(
        "Version 1.1 was registered 40 min before the first logged prediction with petal_length above 6.9")
    similar = page.locator("#similar")
    suggestion = similar.get_by_role("link", name=f"INC-{earlier.pk} Petal length arrives in millimetres")
    expect(suggestion).to_be_visible()
    expect(similar.get_by_role("list", name=f"Why INC-{earlier.pk} is alike")).to_contain_text(
        "Same input pattern")

    page.get_by_label("New tag").fill("Scanner units")
    page.get_by_role("button", name="Add tag").click()
    expect(page.get_by_role("list", name="Tags")).to_contain_text("scanner units")

    similar.get_by_role("button", name=f"Not similar — INC-{earlier.pk}").click()
    expect(suggestion).to_have_count(0)
    expect(page.locator("#similar")).to_contain_text("Marked not similar (1)")
    assert page.evaluate("window.stillTheSamePage") is True
