"""Change events on an incident: the ones shortly before it started are suspects."""

from __future__ import annotations

import pytest

from apps.forensics.onset import incident_onset_compute
from apps.incidents.changes import incident_changes
from apps.incidents.models import IncidentOnset
from tests.accounts.factories import TeamFactory, member_of
from tests.incidents.factories import unit_change_story

pytestmark = pytest.mark.django_db


def test_the_version_registered_just_before_the_first_odd_prediction_is_the_first_suspect():
    team = TeamFactory(slug="botany")
    member = member_of(team)
    incident, version = unit_change_story(reporter=member, team=team)

    onset = incident_onset_compute(incident_id=incident.pk)
    changes = incident_changes(user=member, incident=incident)

    assert onset.prediction_id == "p-first-odd"
    assert onset.pattern == "`petal_length` above 6.9 (the training max)"
    assert [suspect.sentence for suspect in changes.suspects] == [
        "Version 1.1 was registered 40 min before the first logged prediction with `petal_length` above 6.9 "
        "(the training max).",
        "Deploy “Serving image 2026.12.1 rolled out” happened 7 h 40 min before the first logged prediction with "
        "`petal_length` above 6.9 (the training max).",
    ]
    # The flag flipped after the start is on the timeline, not a suspect; the backfill two days
    # earlier is neither.
    timeline = [row.description for row in changes.timeline]
    assert "Turned on the new cellar page" in timeline and "Backfilled October's measurements" not in timeline


def test_without_an_odd_prediction_in_the_log_the_first_report_is_the_start():
    team = TeamFactory(slug="botany")
    member = member_of(team)
    incident, _ = unit_change_story(reporter=member, team=team)
    IncidentOnset.objects.filter(incident=incident).delete()

    changes = incident_changes(user=member, incident=incident)

    assert changes.start_label == "the first report"
    assert [suspect.change.description for suspect in changes.suspects][:2] == [
        "Turned on the new cellar page", "Version 1.1 of iris was registered."]


def test_people_outside_the_team_see_no_change_of_its_model():
    team = TeamFactory(slug="botany")
    incident, _ = unit_change_story(reporter=member_of(team), team=team)

    changes = incident_changes(user=member_of(TeamFactory(slug="other")), incident=incident)

    assert changes.suspects == [] and changes.timeline == []
