"""The action-item API: shapes, filters, and the answers for bad input (400), other people's
tickets (403), tickets one may not see (404) and moves that are not allowed (409)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.actions.services import action_item_transition
from apps.incidents.services import incident_update
from tests.accounts.factories import token_client

from .factories import accepted_ticket, make_overdue, ticket_world

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


@pytest.fixture
def world():
    return ticket_world()


def _url(item, suffix: str = "") -> str:
    return f"/api/v1/action-items/{item.pk}/{suffix}"


def test_the_list_is_paginated_and_soonest_due_first(world):
    later = accepted_ticket(world, title="Later", due_date=timezone.localdate() + timedelta(days=90))
    overdue = make_overdue(accepted_ticket(world, title="Late"))

    body = token_client(world.outsider).get("/api/v1/action-items/").json()

    assert body["count"] == 3 and "next" in body
    assert [row["id"] for row in body["results"]] == [overdue.pk, world.item.pk, later.pk]
    first = body["results"][0]
    assert first["is_overdue"] is True and first["model"] == "fraud-score" and first["owner"] == "member"
    assert first["allowed_transitions"] == ["done", "in_progress", "wont_do"]
    assert first["url"] == f"/actions/{overdue.pk}/"


@pytest.mark.parametrize(("query", "expected"), [
    ("status=in_progress", ["started"]),
    ("owner=reviewer", ["reviewer's"]),
    ("overdue=true", ["late"]),
    ("overdue=false", ["base", "started", "reviewer's", "proposal"]),
    ("review_state=proposed", ["proposal"]),
    ("model=fraud-score", ["late", "base", "started", "reviewer's", "proposal"]),
    ("model=another", []),
    ("team=search", []),
])
def test_filters(world, query, expected):
    from apps.postmortems.services import action_item_propose

    world.item.title = "base"
    world.item.save(update_fields=["title"])
    started = accepted_ticket(world, title="started")
    action_item_transition(item_id=started.pk, actor=world.member, to="in_progress")
    accepted_ticket(world, title="reviewer's", owner="reviewer")
    make_overdue(accepted_ticket(world, title="late"))
    action_item_propose(incident_id=world.incident.pk, actor=world.member, title="proposal", kind="process")

    rows = token_client(world.member).get(f"/api/v1/action-items/?{query}").json()["results"]

    assert sorted(row["title"] for row in rows) == sorted(expected)


def test_the_incident_filter_and_bad_filters(world):
    client = token_client(world.member)
    assert client.get(f"/api/v1/action-items/?incident={world.incident.pk}").json()["count"] == 1
    assert client.get(f"/api/v1/action-items/?incident={world.incident.pk + 1000}").json()["count"] == 0

    for query in ("incident=0", f"incident={2**63}", "status=finished", "overdue=maybe", "overdue="):
        response = client.get(f"/api/v1/action-items/?{query}")
        assert response.status_code == 400, query
        assert response["Content-Type"] == PROBLEM


def test_a_restricted_incident_s_tickets_are_hidden_from_outsiders(world):
    incident_update(incident_id=world.incident.pk, actor=None, restricted=True)

    assert token_client(world.outsider).get("/api/v1/action-items/").json()["count"] == 0
    response = token_client(world.outsider).get(_url(world.item))
    assert response.status_code == 404 and response["Content-Type"] == PROBLEM
    assert token_client(world.member).get(_url(world.item)).status_code == 200


def test_patch_changes_a_ticket_and_answers_the_ticket(world):
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    response = token_client(world.member).patch(_url(world.item), {
        "owner": "reviewer", "due_date": due, "priority": "P1",
        "external_url": "https://linear.app/acme/issue/ML-7"}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["owner"], body["due_date"], body["priority"], body["external_url"]) == (
        "reviewer", due, "P1", "https://linear.app/acme/issue/ML-7")
    assert body["version"] == world.item.version + 1 and body["last_export"] is None


@pytest.mark.parametrize(("payload", "field", "words"), [
    ({"owner": "ghost"}, "owner", "no active user 'ghost'"),
    ({"owner": ""}, "owner", "Give a username"),
    ({"due_date": "2001-01-01"}, "due_date", "is in the past"),
    ({"due_date": "tomorrow"}, "due_date", "Date has wrong format"),
    ({"priority": "P0"}, "priority", "not a valid choice"),
    ({"external_url": "javascript:alert(1)"}, "external_url", "is not a link to an issue"),
    ({"fixed_in_version": "1.0"}, "fixed_in_version", "Only a corrective action item"),
])
def test_bad_edits_are_400_naming_the_field(world, payload, field, words):
    response = token_client(world.member).patch(_url(world.item), payload, format="json")

    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    body = response.json()
    assert field in body["errors"]
    assert words in body["detail"] + " ".join(body["errors"][field])


def test_others_may_read_but_not_change_a_ticket(world):
    for user in (world.outsider, world.reporter):
        client = token_client(user)
        assert client.get(_url(world.item)).status_code == 200
        for method, suffix, payload in (("patch", "", {"priority": "P1"}),
                                        ("post", "transition/", {"to": "done"}),
                                        ("post", "comments/", {"body": "hi"}),
                                        ("post", "export/", None)):
            response = getattr(client, method)(_url(world.item, suffix), payload, format="json")
            assert response.status_code == 403, (user, method, suffix)
            assert response["Content-Type"] == PROBLEM


def test_unknown_ids_are_404(world):
    client = token_client(world.member)
    for suffix in ("", "comments/"):
        assert client.get(f"/api/v1/action-items/999999/{suffix}").status_code == 404
    assert client.post("/api/v1/action-items/999999/transition/", {"to": "done"}, format="json").status_code == 404
    assert client.get(f"/api/v1/action-items/{2**63 + 5}/").status_code == 404


def test_a_transition_answers_409_with_the_allowed_moves(world):
    client = token_client(world.member)
    assert client.post(_url(world.item, "transition/"), {"to": "done"}, format="json").json()["status"] == "done"

    response = client.post(_url(world.item, "transition/"), {"to": "in_progress"}, format="json")

    assert response.status_code == 409 and response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["allowed_transitions"] == ["open"] and body["current"] == "done"
    assert "cannot move from 'done' to 'in_progress'" in body["detail"]


def test_wont_do_without_a_reason_is_400(world):
    response = token_client(world.member).post(_url(world.item, "transition/"), {"to": "wont_do"}, format="json")

    assert response.status_code == 400 and response.json()["errors"] == {"reason": ["Required for won't do."]}


def test_comments_are_listed_and_added(world):
    client = token_client(world.member)
    created = client.post(_url(world.item, "comments/"), {"body": "Started on the unit check."}, format="json")
    assert created.status_code == 201 and created.json()["author"] == "member"

    listed = token_client(world.outsider).get(_url(world.item, "comments/")).json()
    assert listed["count"] == 1 and listed["results"][0]["body"] == "Started on the unit check."
    assert client.post(_url(world.item, "comments/"), {"body": ""}, format="json").status_code == 400


def test_export_without_a_configured_tracker_is_409(world):
    response = token_client(world.member).post(_url(world.item, "export/"), format="json")

    assert response.status_code == 409 and "GITHUB_TRACKER_REPO" in response.json()["detail"]


def test_every_operation_is_in_the_schema(world):
    schema = token_client(world.member).get("/api/schema/?format=json").json()
    paths = schema["paths"]

    assert set(paths["/api/v1/action-items/"]) >= {"get"}
    assert set(paths["/api/v1/action-items/{item_id}/"]) >= {"get", "patch"}
    assert "409" in paths["/api/v1/action-items/{item_id}/transition/"]["post"]["responses"]
    assert set(paths["/api/v1/action-items/{item_id}/comments/"]) >= {"get", "post"}
    assert "202" in paths["/api/v1/action-items/{item_id}/export/"]["post"]["responses"]
    incident = next(p for p in paths["/api/v1/action-items/"]["get"]["parameters"] if p["name"] == "incident")
    assert incident["schema"]["maximum"] == 2**63 - 1
