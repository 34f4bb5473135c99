"""`rebuild_incident_signatures`: incidents from before signatures existed get them from the facts."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from apps.incidents.models import IncidentOnset, IncidentSignal, SignalKind
from apps.postmortems.services import postmortem_start, postmortem_update
from tests.accounts.factories import TeamFactory, member_of
from tests.incidents.factories import unit_change_story

pytestmark = pytest.mark.django_db


def test_the_rebuild_recovers_flags_onset_and_root_cause_from_the_facts():
    team = TeamFactory(slug="botany")
    member = member_of(team)
    incident, _ = unit_change_story(reporter=member, team=team)
    postmortem, _ = postmortem_start(incident_id=incident.pk, actor=member)
    postmortem_update(incident_id=incident.pk, actor=member, expected_version=postmortem.version,
                      root_cause_category="feature_pipeline")
    IncidentSignal.objects.all().delete()
    IncidentOnset.objects.all().delete()

    call_command("rebuild_incident_signatures", stdout=io.StringIO())

    kinds = dict(IncidentSignal.objects.filter(incident=incident).values_list("kind", "value"))
    assert kinds[SignalKind.FEATURE] == "petal_length" and kinds[SignalKind.ROOT_CAUSE] == "feature_pipeline"
    assert IncidentOnset.objects.get(incident=incident).prediction_id == "p-first-odd"
