"""The post-mortem API: the If-Match / ETag contract, the review rules' status codes, and the
shapes a chat bot or a meeting screen reads."""

import pytest

from apps.postmortems.services import postmortem_transition, postmortem_update
from tests.accounts.factories import access_world, token_client
from tests.postmortems.factories import confirmed_chain, decide, team_postmortem, why

pytestmark = pytest.mark.django_db


def _url(world, suffix: str = "") -> str:
    return f"/api/v1/incidents/{world.incident.pk}/postmortem/{suffix}"


@pytest.fixture
def world():
    world = team_postmortem()
    world.member_api = token_client(world.member)
    world.reviewer_api = token_client(world.reviewer)
    return world


def test_a_member_starts_a_postmortem_and_starting_again_answers_the_same_one():
    world = access_world()
    client = token_client(world.member)
    first = client.post(f"/api/v1/incidents/{world.incident.pk}/postmortem/")
    again = client.post(f"/api/v1/incidents/{world.incident.pk}/postmortem/")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and first.json()["author"] == "member"
    assert first.json()["status"] == "draft" and first.json()["allowed_transitions"] == ["in_review"]


def test_get_without_a_postmortem_says_how_to_start_one():
    world = access_world()
    response = token_client(world.member).get(f"/api/v1/incidents/{world.incident.pk}/postmortem/")
    assert response.status_code == 404 and "POST" in response.json()["detail"]


def test_get_returns_the_etag_that_patch_needs(world):
    response = world.member_api.get(_url(world))
    assert response.status_code == 200
    assert response["ETag"] == response.json()["etag"] == f'"pm-{world.postmortem.pk}-v1"'

    saved = world.member_api.patch(_url(world), {"summary": "A bag on the men's homepage"}, format="json",
                                   HTTP_IF_MATCH=response["ETag"])
    assert saved.status_code == 200 and saved.json()["summary"] == "A bag on the men's homepage"
    assert saved["ETag"] == f'"pm-{world.postmortem.pk}-v2"'


def test_patch_without_if_match_is_428_and_writes_nothing(world):
    response = world.member_api.patch(_url(world), {"summary": "blind write"}, format="json")
    assert response.status_code == 428 and "If-Match" in response.json()["detail"]
    world.postmortem.refresh_from_db()
    assert world.postmortem.summary == ""


def test_a_stale_etag_is_412_with_the_current_postmortem_and_who_changed_it(world):
    opened = world.member_api.get(_url(world))["ETag"]
    assert world.reviewer_api.patch(_url(world), {"summary": "Reviewer's words"}, format="json",
                                    HTTP_IF_MATCH=opened).status_code == 200

    stale = world.member_api.patch(_url(world), {"summary": "Member's words"}, format="json", HTTP_IF_MATCH=opened)

    assert stale.status_code == 412
    assert stale["Content-Type"] == "application/problem+json"
    body = stale.json()
    assert body["changed_by"] == "reviewer" and body["current_version"] == 2
    assert body["current"]["summary"] == "Reviewer's words" and stale["ETag"] == body["current"]["etag"]


@pytest.mark.parametrize("header", ['"garbage"', '"pm-999999-v1"', "W/\"pm-0-v1\""])
def test_an_if_match_that_is_not_this_postmortems_etag_is_412(world, header):
    response = world.member_api.patch(_url(world), {"summary": "x"}, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 412


def test_over_long_text_is_400_naming_the_field(world):
    etag = world.member_api.get(_url(world))["ETag"]
    response = world.member_api.patch(_url(world), {"went_wrong": "x" * 20_001}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 400 and "went_wrong" in response.json()["errors"]


def test_an_illegal_move_is_409_naming_the_allowed_ones(world):
    response = world.member_api.post(_url(world, "transition/"), {"to": "published"}, format="json")
    assert response.status_code == 409
    assert response.json()["allowed_transitions"] == ["in_review"]


def test_approving_ones_own_postmortem_is_403_and_blockers_are_409(world):
    world.member_api.post(_url(world, "transition/"), {"to": "in_review"}, format="json")
    blocked = world.reviewer_api.post(_url(world, "transition/"), {"to": "approved"}, format="json")
    assert blocked.status_code == 409 and any("category" in text for text in blocked.json()["blockers"])

    from apps.accounts.services import membership_set

    membership_set(team=world.team, user=world.member, role="reviewer")
    own = token_client(world.member).post(_url(world, "transition/"), {"to": "approved"}, format="json")
    assert own.status_code == 403 and "four eyes" in own.json()["detail"]


def test_the_why_tree_over_the_api(world):
    top = world.member_api.post(_url(world, "why-nodes/"), {
        "question": "Why did the men's homepage show a women's bag?",
        "answer": "The 'last seen' box shows what the account viewed", "how_to_check": "Look up the account's views",
    }, format="json")
    assert top.status_code == 201 and top.json()["status"] == "proposed" and top.json()["parent"] is None
    node = top.json()["id"]

    child_too_early = world.member_api.post(_url(world, "why-nodes/"), {
        "parent": node, "question": "Why?", "answer": "Shared account"}, format="json")
    assert child_too_early.status_code == 409

    no_reason = world.member_api.post(_url(world, f"why-nodes/{node}/decision/"), {"status": "confirmed"},
                                      format="json")
    assert no_reason.status_code == 400 and "note" in no_reason.json()["errors"]
    confirmed = world.member_api.post(_url(world, f"why-nodes/{node}/decision/"),
                                      {"status": "confirmed", "note": "The log shows the view at 09:12."},
                                      format="json")
    assert confirmed.status_code == 200 and confirmed.json()["on_root_cause_chain"] is True

    orphan = world.member_api.post(_url(world, "why-nodes/"), {"parent": 10**12, "question": "Q", "answer": "A"},
                                   format="json")
    assert orphan.status_code == 400 and "parent" in orphan.json()["errors"]
    cycle = world.member_api.patch(_url(world, f"why-nodes/{node}/"), {"parent": node}, format="json")
    assert cycle.status_code == 400 and "cycle" in cycle.json()["detail"]

    whole = world.member_api.get(_url(world)).json()
    assert whole["root_cause_chain"] == [node]
    assert any(hint["kind"] == "evidence" for hint in whole["hints"])


def test_script_in_a_hypothesis_is_stored_as_text_and_returned_verbatim(world):
    payload = "<script>alert(1)</script>"
    response = world.member_api.post(_url(world, "why-nodes/"), {"question": "Why?", "answer": payload},
                                     format="json")
    assert response.status_code == 201 and response.json()["answer"] == payload


def test_evidence_is_attached_and_cited_by_a_node(world):
    link = world.member_api.post(f"/api/v1/incidents/{world.incident.pk}/evidence/",
                                 {"kind": "link", "url": "https://grafana.example.com/d/views"}, format="json")
    assert link.status_code == 201
    bad = world.member_api.post(f"/api/v1/incidents/{world.incident.pk}/evidence/",
                                {"kind": "link", "url": "javascript:alert(1)"}, format="json")
    assert bad.status_code == 400 and "url" in bad.json()["errors"]
    report = world.member_api.post(f"/api/v1/incidents/{world.incident.pk}/evidence/",
                                   {"kind": "report", "ref_id": world.report.pk}, format="json")
    assert report.status_code == 201 and report.json()["url"] == f"/reports/{world.report.pk}/"

    node = world.member_api.post(_url(world, "why-nodes/"), {
        "question": "Why?", "answer": "Viewed", "evidence": [link.json()["id"], report.json()["id"]]}, format="json")
    assert sorted(node.json()["evidence"]) == sorted([link.json()["id"], report.json()["id"]])


def test_reviewers_decide_action_points_and_the_proposer_cannot(world):
    proposed = world.member_api.post(_url(world, "action-items/"), {
        "title": "Alert when a feature leaves its training range", "kind": "detective"}, format="json")
    assert proposed.status_code == 201 and proposed.json()["review_state"] == "proposed"
    item = proposed.json()["id"]

    colleague = world.member_api.post(f"/api/v1/action-items/{item}/review/", {"decision": "accept"}, format="json")
    assert colleague.status_code == 403
    reject_silently = world.reviewer_api.post(f"/api/v1/action-items/{item}/review/", {"decision": "reject"},
                                              format="json")
    assert reject_silently.status_code == 400
    accepted = world.reviewer_api.post(f"/api/v1/action-items/{item}/review/",
                                       {"decision": "accept", "owner": "member", "priority": "P1"}, format="json")
    assert accepted.status_code == 200
    assert accepted.json()["review_state"] == "accepted" and accepted.json()["owner"] == "member"
    assert accepted.json()["due_date"] is not None
    twice = world.reviewer_api.post(f"/api/v1/action-items/{item}/review/", {"decision": "reject", "reason": "x"},
                                    format="json")
    assert twice.status_code == 409


def test_comments_and_timeline_entries_do_not_need_if_match(world):
    etag = world.member_api.get(_url(world))["ETag"]
    entry = world.reviewer_api.post(_url(world, "timeline/"), {"at": "2026-11-20T09:12:00+01:00",
                                                               "text": "Customer care forwards the screenshot"},
                                    format="json")
    assert entry.status_code == 201
    assert any(item["source"] == "manual" and "screenshot" in item["text"] for item in entry.json())
    comment = world.reviewer_api.post(_url(world, "comments/"), {"section": "impact", "body": "How many users?"},
                                      format="json")
    assert comment.status_code == 201
    saved = world.member_api.patch(_url(world), {"facts": "Still my version"}, format="json", HTTP_IF_MATCH=etag)
    assert saved.status_code == 200


def test_timeline_entries_in_the_future_are_refused(world):
    response = world.member_api.post(_url(world, "timeline/"), {"at": "2999-11-20T09:12:00Z", "text": "x"},
                                     format="json")
    assert response.status_code == 400 and "future" in response.json()["detail"]


def test_a_published_postmortem_reads_back_whole(world):
    pm = world.postmortem
    chain = confirmed_chain(pm, actor=world.member, depth=2)
    decide(why(pm, actor=world.member, parent=chain[-1], answer="Dead end", question="Why?"), actor=world.member,
           status="refuted")
    postmortem_update(incident_id=pm.incident_id, actor=world.member, expected_version=None,
                      root_cause_category="modelling_assumption")
    postmortem_transition(incident_id=pm.incident_id, actor=world.member, to="in_review")
    postmortem_transition(incident_id=pm.incident_id, actor=world.reviewer, to="approved")
    body = world.member_api.get(_url(world)).json()
    assert body["status"] == "approved" and body["approved_by"] == "reviewer" and body["approval_blockers"] == []
    assert body["root_cause_chain"] == [node.pk for node in chain]
    assert [node["status"] for node in body["why_nodes"]].count("refuted") == 1
    assert body["root_cause_category_label"] == "Modelling assumption"
