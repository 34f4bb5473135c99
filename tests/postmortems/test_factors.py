"""Contributing factors: several per post-mortem, one trigger, counted across incidents, exported."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import InvalidInput, PermissionDenied
from apps.postmortems.export import postmortem_markdown
from apps.postmortems.selectors import contributing_factor_counts, contributing_factors
from apps.postmortems.services import (
    contributing_factor_add,
    contributing_factor_delete,
    contributing_factor_update,
)
from tests.postmortems.factories import team_postmortem

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return team_postmortem()


def _add(world, category="feature_pipeline", **fields):
    return contributing_factor_add(incident_id=world.incident.pk, actor=world.member, category=category,
                                   description=fields.pop("description", "The lab feed changed units"), **fields)


def test_factors_are_recorded_with_certainty_and_one_trigger(world):
    first = _add(world, is_trigger=True)
    second = _add(world, "data_drift", description="New supplier", certainty="potential")
    contributing_factor_update(incident_id=world.incident.pk, factor_id=second.pk, actor=world.member,
                               is_trigger=True)

    rows = contributing_factors(postmortem=world.postmortem)
    assert [(row.category_label, row.certainty_label, row.is_trigger) for row in rows] == [
        ("Feature pipeline / unit change", "Known", False), ("Data drift", "Potential", True)]
    assert AuditEvent.objects.filter(action="postmortem.factor_update", target_id=str(world.postmortem.pk)).exists()
    contributing_factor_delete(incident_id=world.incident.pk, factor_id=first.pk, actor=world.member)
    assert [row.category for row in contributing_factors(postmortem=world.postmortem)] == ["data_drift"]


def test_bad_factors_and_people_outside_the_team_are_refused(world):
    with pytest.raises(InvalidInput):
        _add(world, "cosmic_rays")
    with pytest.raises(InvalidInput):
        _add(world, description="   ")
    with pytest.raises(InvalidInput):
        _add(world, certainty="maybe")
    with pytest.raises(PermissionDenied):
        contributing_factor_add(incident_id=world.incident.pk, actor=world.outsider, category="data_drift",
                                description="x")


def test_counts_per_category_cover_only_visible_incidents(world):
    from apps.incidents.services import incident_update

    _add(world, is_trigger=True)
    _add(world, description="A second pipeline slip")
    assert [(row.category, row.incidents, row.triggers)
            for row in contributing_factor_counts(user=world.member)] == [("feature_pipeline", 1, 1)]
    incident_update(incident_id=world.incident.pk, actor=None, restricted=True)
    assert contributing_factor_counts(user=world.outsider) == []


def test_the_editor_adds_a_factor_and_the_export_lists_it(world, client):
    client.force_login(world.member)
    response = client.post(f"/incidents/{world.incident.pk}/postmortem/factors/", {
        "category": "feature_pipeline", "description": "Units not in the release notes", "certainty": "known",
        "is_trigger": "on"})
    assert response.status_code == 302
    page = client.get(f"/incidents/{world.incident.pk}/postmortem/?section=root_cause").content.decode()
    assert "Units not in the release notes" in page and "Trigger" in page

    world.postmortem.refresh_from_db()
    export = postmortem_markdown(user=world.member, postmortem=world.postmortem)
    assert "### Contributing factors" in export.split("## Root cause")[1]
    assert "| Feature pipeline / unit change | Units not in the release notes | Known | yes |" in export
