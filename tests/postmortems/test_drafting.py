"""Drafting the whys from the diagnosis: proposed nodes from the leading hypotheses, marked as
drafted by the tracker, with the supporting reports' diagnoses as evidence; twice adds nothing
twice; the four-eyes and evidence rules still apply to them."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import PermissionDenied
from apps.diagnosis.services import diagnosis_compute, diagnosis_request
from apps.incidents.models import EvidenceKind
from apps.postmortems.models import WhyNode, WhyStatus
from apps.postmortems.services import postmortem_start, why_node_decide, why_nodes_draft_from_diagnosis
from tests.accounts.factories import TeamFactory, UserFactory, member_of
from tests.diagnosis.factories import file, predict, register
from tests.diagnosis.fixtures import fresh_models, trained  # noqa: F401 — the trained models

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit_change_incident(trained):  # noqa: F811
    team = TeamFactory()
    member = member_of(team)
    dataset = trained["wine"]
    version = register(dataset, team=team)
    rows = [dataset.row(i) for i in range(len(dataset.test_x))]
    broken = [row | {"proline": row["proline"] * 1000} for row in rows]
    answers, right = predict(dataset, "1.0", broken), predict(dataset, "1.0", rows)
    picked = [i for i in range(len(rows)) if dataset.test_y[i] == "class_1" == right[i] != answers[i]][:2]
    reports = [file(version, reporter=member, features=broken[i], output=answers[i], expected="class_1",
                    title="Same cultivar everywhere") for i in picked]
    for report in reports:
        diagnosis_request(report=report, actor=member)
        diagnosis_compute(report_id=report.pk)
    incident_id = reports[0].incident_id
    postmortem_start(incident_id=incident_id, actor=member)
    return incident_id, member, reports


def test_the_leading_hypothesis_becomes_a_proposed_why_drafted_by_the_tracker_with_the_diagnoses_as_evidence(
        unit_change_incident):
    incident_id, member, reports = unit_change_incident

    result = why_nodes_draft_from_diagnosis(incident_id=incident_id, actor=member)

    node = result.created[0]
    assert node.status == WhyStatus.PROPOSED and node.parent is None
    assert node.drafted_from == "diagnosis:input_unit_change:proline" and node.created_by is None
    assert node.question == "Why did the model see proline in another unit than in training?"
    assert node.answer.startswith("`proline` was logged in another unit")
    assert "Counterfactual replay (supports)" in node.how_to_check and "class_1" in node.how_to_check
    cited = list(node.evidence.all())
    assert {(item.kind, item.ref_id) for item in cited} == {(EvidenceKind.DIAGNOSIS, r.pk) for r in reports}
    assert all(item.url.endswith("#diagnosis") for item in cited)
    assert AuditEvent.objects.filter(action="postmortem.why_draft").count() == 1


def test_drafting_twice_adds_nothing_twice(unit_change_incident):
    incident_id, member, _ = unit_change_incident
    first = why_nodes_draft_from_diagnosis(incident_id=incident_id, actor=member)
    again = why_nodes_draft_from_diagnosis(incident_id=incident_id, actor=member)
    assert first.created and not again.created and again.already == len(first.created)
    assert WhyNode.objects.filter(postmortem__incident_id=incident_id).count() == len(first.created)
    assert "nothing new" in again.message


def test_a_drafted_why_is_checked_by_people_like_any_other(unit_change_incident):
    incident_id, member, _ = unit_change_incident
    node = why_nodes_draft_from_diagnosis(incident_id=incident_id, actor=member).created[0]
    decided = why_node_decide(incident_id=incident_id, node_id=node.pk, actor=member, status=WhyStatus.CONFIRMED,
                              note="The pipeline's release notes: proline now in µg/L.")
    assert decided.status == WhyStatus.CONFIRMED and decided.decided_by == member


def test_only_the_team_drafts(unit_change_incident):
    incident_id, _, _ = unit_change_incident
    with pytest.raises(PermissionDenied):
        why_nodes_draft_from_diagnosis(incident_id=incident_id, actor=UserFactory())


def test_the_meeting_and_the_facts_step_show_what_the_tracker_checked(unit_change_incident, client):
    incident_id, member, _ = unit_change_incident
    client.force_login(member)
    for path in (f"/incidents/{incident_id}/postmortem/?section=facts", f"/postmortems/meeting/{incident_id}/"):
        page = client.get(path).content.decode()
        assert 'id="fact-diagnosis"' in page and "What the tracker's checks showed" in page
        assert "2 of 2 reports point at unit change on the input path" in page
