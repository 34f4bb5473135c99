"""Similar past incidents, ranked by the ML signature, on seeded incidents with known answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import InvalidInput, PermissionDenied
from apps.incidents.models import Incident
from apps.incidents.selectors import incident_get
from apps.incidents.similarity import similar_incidents, similarity_mark
from apps.incidents.tags import incident_tag_add
from apps.postmortems.services import contributing_factor_add, postmortem_start, postmortem_update
from tests.accounts.factories import access_world, admin_user
from tests.incidents.factories import model_of, opened_incident

pytestmark = pytest.mark.django_db


def _root_cause(incident, actor, category):
    postmortem, _ = postmortem_start(incident_id=incident.pk, actor=actor)
    postmortem_update(incident_id=incident.pk, actor=actor, expected_version=postmortem.version,
                      root_cause_category=category)


@dataclass
class History:
    """Incidents with known answers around the shared world's people (`access_world`)."""

    member: Any
    outsider: Any
    incident: Incident
    same_pattern: Incident
    unit_change_elsewhere: Incident
    same_model_only: Incident
    hidden: Incident


@pytest.fixture
def history() -> History:
    """Wine and churn models of the world's team, ranking of the other team; the incident under
    study has `proline` arriving ~1000× too large."""
    world = access_world()
    wine, churn = model_of("wine", team=world.team), model_of("churn", team=world.team)
    ranking = model_of("ranking", team=world.other_team)
    now = History(
        member=world.member,
        outsider=world.outsider,
        incident=opened_incident(model=wine, title="Cultivar flips when proline arrives in milligrams",
                                 pattern="proline:scale_shift"),
        same_pattern=opened_incident(model=wine, title="Every bottle from the new cellar is class_2",
                                     pattern="proline:scale_shift"),
        unit_change_elsewhere=opened_incident(model=churn, title="Churn score jumps for long sessions",
                                              pattern="duration:scale_shift"),
        same_model_only=opened_incident(model=wine, title="Blank label on the cellar page",
                                        pattern="alcohol:missing"),
        hidden=opened_incident(model=ranking, title="Ranking shows proline in milligrams",
                               pattern="proline:scale_shift", restricted=True),
    )
    _root_cause(now.incident, world.member, "feature_pipeline")
    _root_cause(now.unit_change_elsewhere, world.member, "feature_pipeline")
    return now


def _ids(result):
    return [row.incident_id for row in result.suggestions]


def test_the_same_input_pattern_ranks_first_then_the_same_kind_of_bug_on_another_model(history):
    result = similar_incidents(user=history.member, incident=history.incident)

    assert _ids(result) == [history.same_pattern.pk, history.unit_change_elsewhere.pk]
    first, second = result.suggestions
    assert "Same input pattern: `proline` scale shift (a unit change?)" in first.why
    assert "Same model: wine" in first.why
    assert second.why[:2] == ["Same root cause: Feature pipeline / unit change",
                              "Same kind of input problem: scale shift (a unit change?) (in another feature)"]
    assert 0 < second.score < first.score <= 1


def test_sharing_only_the_model_is_not_similar(history):
    assert history.same_model_only.pk not in _ids(similar_incidents(user=history.member, incident=history.incident))


def test_an_incident_the_viewer_may_not_see_is_never_suggested(history):
    assert history.hidden.pk not in _ids(similar_incidents(user=history.member, incident=history.incident))
    # An admin sees it, so it is ranked for them: the same pattern and words in common.
    assert history.hidden.pk in _ids(similar_incidents(user=admin_user(), incident=history.incident))


def test_contributing_factors_and_tags_make_incidents_alike(history):
    contributing_factor_add(incident_id=history.incident.pk, actor=history.member, category="data_drift",
                            description="The supplier changed the lab's units", is_trigger=True)
    postmortem_start(incident_id=history.same_model_only.pk, actor=history.member)
    contributing_factor_add(incident_id=history.same_model_only.pk, actor=history.member, category="data_drift",
                            description="A new supplier")
    for incident in (history.incident, history.same_model_only):
        incident_tag_add(incident_id=incident.pk, actor=history.member, name="Supplier ")

    result = similar_incidents(user=history.member, incident=history.incident)

    row = next(row for row in result.suggestions if row.incident_id == history.same_model_only.pk)
    assert "Same contributing factor: Data drift" in row.why and "Same tag: supplier" in row.why


def test_a_not_similar_mark_removes_the_suggestion_for_good_and_is_shown(history):
    similarity_mark(incident_id=history.incident.pk, other_id=history.same_pattern.pk, actor=history.member,
                    verdict="not_similar")

    result = similar_incidents(user=history.member, incident=history.incident)

    assert history.same_pattern.pk not in _ids(result)
    assert [(row.incident_id, row.marked_by) for row in result.dismissed] == [
        (history.same_pattern.pk, history.member.username)]
    # The pair is symmetric: from the other side it is gone too.
    assert history.incident.pk not in _ids(similar_incidents(user=history.member, incident=history.same_pattern))
    assert AuditEvent.objects.filter(action="incident.similarity_mark", target_id=str(history.incident.pk)).exists()


def test_a_similar_mark_keeps_the_pair_first_with_who_said_so(history):
    similarity_mark(incident_id=history.incident.pk, other_id=history.same_model_only.pk, actor=history.member,
                    verdict="similar")

    first = similar_incidents(user=history.member, incident=history.incident).suggestions[0]

    assert first.incident_id == history.same_model_only.pk
    assert first.why[0] == f"Marked similar by {history.member.username}" and first.verdict == "similar"


def test_marks_are_team_work_and_name_a_visible_incident(history):
    with pytest.raises(PermissionDenied):
        similarity_mark(incident_id=history.incident.pk, other_id=history.same_pattern.pk, actor=history.outsider,
                        verdict="similar")
    with pytest.raises(InvalidInput):
        similarity_mark(incident_id=history.incident.pk, other_id=history.hidden.pk, actor=history.member,
                        verdict="similar")
    with pytest.raises(InvalidInput):
        similarity_mark(incident_id=history.incident.pk, other_id=history.same_pattern.pk, actor=history.member,
                        verdict="maybe")
    assert incident_get(user=history.member, incident_id=history.incident.pk)


def test_the_incident_api_carries_similar_incidents_and_marks_change_them(history):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(history.member)
    url = f"/api/v1/incidents/{history.incident.pk}/"

    similar = client.get(url).json()["similar"]
    assert [row["incident"] for row in similar] == [history.same_pattern.pk, history.unit_change_elsewhere.pk]
    assert set(similar[0]) >= {"incident", "score", "why"} and similar[0]["why"]

    response = client.post(url + "similar/", {"other": history.same_pattern.pk, "verdict": "not_similar"},
                           format="json")
    assert response.status_code == 200
    assert [row["incident"] for row in response.json()["similar"]] == [history.unit_change_elsewhere.pk]
    assert client.post(url + "similar/", {"other": history.same_pattern.pk, "verdict": "maybe"},
                       format="json").status_code == 400


def test_the_incident_page_shows_the_suggestions_and_a_mark_swaps_the_card_in_place(history, client):
    client.force_login(history.member)
    page = client.get(f"/incidents/{history.incident.pk}/").content.decode()
    assert f"INC-{history.same_pattern.pk} Every bottle from the new cellar is class_2" in page
    assert "Same root cause: Feature pipeline / unit change" in page

    card = client.post(f"/incidents/{history.incident.pk}/similar/",
                       {"other": history.same_pattern.pk, "verdict": "not_similar"}, HTTP_HX_REQUEST="true")

    text = card.content.decode()
    assert card.status_code == 200 and text.lstrip().startswith("<section") and 'id="similar"' in text
    assert "Marked not similar (1)" in text
