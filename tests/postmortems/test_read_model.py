"""The one read model of a post-mortem: the editor page, the meeting screen, the API's GET and
the Markdown export render the same post-mortem from it, in a number of queries that does not
grow with the number of whys, action points or comments."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.actions.services import action_item_review
from apps.incidents.evidence import incident_evidence_add
from apps.postmortems.export import postmortem_markdown
from apps.postmortems.selectors import postmortem_get, postmortem_read
from apps.postmortems.services import action_item_propose, review_comment_add, why_node_update
from tests.accounts.factories import token_client
from tests.postmortems.factories import decide, team_postmortem, why

pytestmark = pytest.mark.django_db


def _grow(world, *, whys: int, items: int, comments: int) -> None:
    """More of everything a post-mortem holds: confirmed whys citing evidence (each under the
    one before), action points in every review state, comments on each section's items."""
    pm = world.postmortem
    evidence = incident_evidence_add(incident_id=pm.incident_id, actor=world.member, kind="link",
                                     url=f"https://logs.example.com/{whys}", title=f"Log {whys}")
    parent = None
    for number in range(whys):
        node = why(pm, actor=world.member, parent=parent, question=f"Why {number}?", answer=f"Cause {number}")
        why_node_update(incident_id=pm.incident_id, node_id=node.pk, actor=world.member,
                        evidence_ids=[evidence.pk], evidence_note="")
        parent = decide(node, actor=world.member, status="confirmed")
    for number in range(items):
        item = action_item_propose(incident_id=pm.incident_id, actor=world.member, kind="preventive",
                                   title=f"Action {number} of {items}")
        if number % 3 == 1:
            action_item_review(item_id=item.pk, actor=world.reviewer, decision="accept", reason="")
        elif number % 3 == 2:
            action_item_review(item_id=item.pk, actor=world.reviewer, decision="reject", reason="Covered")
    for number in range(comments):
        review_comment_add(incident_id=pm.incident_id, actor=world.reviewer, section="whys",
                           body=f"Comment {number}", why_node_id=parent.pk if parent else None, action_item_id=None)


def _count(action) -> int:
    action()  # warm up: what a first call loads once (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


def _read_as_reviewer(world):
    return lambda: postmortem_read(viewer=world.reviewer, facts=True, postmortem=postmortem_get(
        user=world.reviewer, incident_id=world.incident.pk))


def test_the_read_model_takes_the_same_number_of_queries_whatever_the_size(django_assert_num_queries):
    world = team_postmortem()
    _grow(world, whys=1, items=1, comments=1)
    read = _read_as_reviewer(world)
    expected = _count(read)

    _grow(world, whys=6, items=9, comments=8)
    with django_assert_num_queries(expected):
        bigger = read()
    assert len(bigger.nodes) == 7 and len(bigger.action_items) == 10 and len(bigger.comments) == 9


@pytest.mark.parametrize("path", ["", "?section=whys", "?section=actions"])
def test_the_editor_and_the_api_take_the_same_number_of_queries_whatever_the_size(
        client, path, django_assert_num_queries):
    world = team_postmortem()
    client.force_login(world.reviewer)
    api = token_client(world.reviewer)
    _grow(world, whys=1, items=1, comments=1)
    page_url = f"/incidents/{world.incident.pk}/postmortem/{path}"
    api_url = f"/api/v1/incidents/{world.incident.pk}/postmortem/"
    page_queries = _count(lambda: client.get(page_url))
    api_queries = _count(lambda: api.get(api_url))

    _grow(world, whys=5, items=7, comments=6)
    with django_assert_num_queries(page_queries):
        assert client.get(page_url).status_code == 200
    with django_assert_num_queries(api_queries):
        assert api.get(api_url).status_code == 200


def test_the_page_the_meeting_screen_the_api_and_the_export_show_the_same_post_mortem(client):
    world = team_postmortem()
    _grow(world, whys=3, items=4, comments=2)
    refuted = decide(why(world.postmortem, actor=world.member, answer="The cache served a stale page"),
                     actor=world.member, status="refuted", note="The cache was cold.")
    client.force_login(world.reviewer)
    editor = html.unescape(client.get(f"/incidents/{world.incident.pk}/postmortem/?section=actions").content.decode())
    whys_page = html.unescape(client.get(f"/incidents/{world.incident.pk}/postmortem/?section=whys")
                              .content.decode())
    meeting = html.unescape(client.get(f"/postmortems/meeting/{world.incident.pk}/").content.decode())
    data = token_client(world.reviewer).get(f"/api/v1/incidents/{world.incident.pk}/postmortem/").json()
    export = postmortem_markdown(user=world.reviewer, postmortem=postmortem_get(user=world.reviewer,
                                                                                incident_id=world.incident.pk))

    assert len(data["action_items"]) == 4
    for item in data["action_items"]:
        label = {"proposed": "Proposed", "accepted": "Accepted", "rejected": "Rejected"}[item["review_state"]]
        for page in (editor, meeting):
            assert f'id="action-{item["id"]}" data-review-state="{item["review_state"]}"' in page
            assert f'<strong>AI-{item["id"]}</strong> {item["title"]}' in page
        assert f'| AI-{item["id"]} | {item["title"]} |' in export
        assert f"| {label}" in export.split(f'| AI-{item["id"]} |')[1].splitlines()[0]
    # The proposed one is the reviewer's to decide, on the page and the meeting screen alike.
    proposed = [item for item in data["action_items"] if item["review_state"] == "proposed"]
    assert proposed and all(f'Accept AI-{item["id"]}' in editor for item in proposed)

    chain = data["root_cause_chain"]
    assert len(chain) == 3 and refuted.pk not in chain
    for node in data["why_nodes"]:
        assert node["on_root_cause_chain"] == (node["id"] in chain)
        for page in (whys_page, meeting):
            assert f'id="why-{node["id"]}" data-status="{node["status"]}"' in page
            assert (f'class="why-node why-{node["status"]} on-chain"' in page.split(f'id="why-{node["id"]}"')[0]
                    .rsplit("<li", 1)[1]) == node["on_root_cause_chain"]
        assert f'**#{node["id"]} {node["question"]}**' in export
    for level, node_id in enumerate(chain, 1):
        answer = next(node["answer"] for node in data["why_nodes"] if node["id"] == node_id)
        assert f"{level}. {answer}" in export.split("## Root-cause chain")[1]
    assert [comment["body"] for comment in data["comments"]] == ["Comment 0", "Comment 1"]
    assert all(comment["body"] in whys_page for comment in data["comments"])
