"""Export of a ticket to GitHub issues, against a local fake of GitHub's REST API that checks
each request has what the real one requires. A tracker that refuses or is down leaves a failure
on the ticket — never a server error, never a lost export."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.actions import tasks
from apps.actions.models import ExportStatus, TrackerExport, WebhookDelivery
from apps.actions.services import (
    action_item_export_request,
    action_item_propose,
    action_item_update,
    tracker_exports_sweep,
)
from apps.audit.models import AuditEvent
from apps.core.errors import Conflict
from tests.accounts.factories import token_client

from .factories import endpoint, ticket_world
from .fake_http import Received, closed_port_url

pytestmark = pytest.mark.django_db

TOKEN = "github_pat_test_token"
ISSUE_URL = "https://github.com/acme/fraud-models/issues/7"
CREATED = (201, {"id": 1, "number": 7, "html_url": ISSUE_URL,
                 "url": "https://api.github.com/repos/acme/fraud-models/issues/7", "state": "open"})


def github_rules(request: Received):
    """What GitHub's `POST /repos/{owner}/{repo}/issues` needs; an error answer otherwise, the
    way GitHub gives it. (Other paths are the webhook receiver's.)"""
    if not request.path.startswith("/repos/"):
        return None
    if request.path != "/repos/acme/fraud-models/issues":
        return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
    if request.headers.get("authorization") != f"Bearer {TOKEN}":
        return 401, {"message": "Bad credentials"}
    if not request.headers.get("user-agent"):
        return 403, {"message": "Request forbidden by administrative rules. Please make sure your request has a "
                                "User-Agent header"}
    if request.headers.get("accept") != "application/vnd.github+json" \
            or request.headers.get("x-github-api-version") != "2022-11-28":
        return 400, {"message": "Unsupported API version or media type"}
    if not request.headers.get("content-type", "").startswith("application/json"):
        return 415, {"message": "Unsupported Media Type"}
    try:
        body = json.loads(request.body)
    except ValueError:
        return 400, {"message": "Problems parsing JSON"}
    if not isinstance(body.get("title"), str) or not body["title"].strip():
        return 422, {"message": "Validation Failed", "errors": [{"resource": "Issue", "field": "title",
                                                                  "code": "missing_field"}]}
    if not isinstance(body.get("body"), str) or not all(isinstance(label, str) for label in body.get("labels", [])):
        return 422, {"message": "Validation Failed", "errors": [{"message": "Invalid request."}]}
    return None


@pytest.fixture
def github(fake_server, settings):
    settings.GITHUB_API_URL = fake_server.url
    settings.GITHUB_TRACKER_REPO = "acme/fraud-models"
    settings.GITHUB_TRACKER_TOKEN = TOKEN
    fake_server.check = github_rules
    fake_server.answers = [CREATED]
    return fake_server


@pytest.fixture
def world():
    return ticket_world()


def test_the_issue_is_created_and_linked_from_the_ticket(world, github, run_on_commit, fake_server):
    hook = endpoint(f"{fake_server.url}/events")
    with run_on_commit():
        export = action_item_export_request(item_id=world.item.pk, actor=world.member)

    [create, event] = github.received
    assert create.path == "/repos/acme/fraud-models/issues"
    issue = create.json()
    assert issue["title"] == f"[AI-{world.item.pk}] Alert when a feature's unit changes"
    assert f"/actions/{world.item.pk}/" in issue["body"] and f"INC-{world.incident.pk}" in issue["body"]
    assert "Owner: member" in issue["body"] and "`fraud-score`" in issue["body"]
    assert issue["labels"] == ["mlincidents", "action-item", "preventive", "P2"]
    export.refresh_from_db()
    assert (export.status, export.external_url, export.attempts) == (ExportStatus.SUCCEEDED, ISSUE_URL, 1)
    world.item.refresh_from_db()
    assert world.item.external_url == ISSUE_URL
    assert AuditEvent.objects.filter(action="action_item.export", new__external_url=ISSUE_URL).exists()
    # Subscribers hear that the ticket now links to its issue.
    assert event.path == "/events" and event.json()["changes"]["new"] == {"external_url": ISSUE_URL}
    assert WebhookDelivery.objects.get(endpoint=hook).status == "delivered"


@pytest.mark.parametrize(("setting", "value", "status", "words"), [
    ("GITHUB_TRACKER_TOKEN", "expired", 401, "GitHub answered 401: Bad credentials. Check GITHUB_TRACKER_TOKEN."),
    ("GITHUB_TRACKER_REPO", "acme/nope", 404, "GitHub answered 404: Not Found. Check GITHUB_TRACKER_REPO"),
])
def test_a_refusal_is_recorded_on_the_ticket_and_not_retried(world, github, run_on_commit, client, settings,
                                                             setting, value, status, words):
    setattr(settings, setting, value)
    with run_on_commit():
        export = action_item_export_request(item_id=world.item.pk, actor=world.member)

    export.refresh_from_db()
    assert (export.status, export.attempts, export.last_status_code) == (ExportStatus.FAILED, 1, status)
    assert words in export.error
    world.item.refresh_from_db()
    assert world.item.external_url == ""
    client.force_login(world.member)
    page = client.get(f"/actions/{world.item.pk}/")
    assert page.status_code == 200 and words in page.content.decode()
    api = token_client(world.member).get(f"/api/v1/action-items/{world.item.pk}/").json()
    assert api["last_export"]["status"] == "failed" and words in api["last_export"]["error"]


def test_a_422_names_github_s_validation_errors(world, github, run_on_commit):
    github.check = None
    github.answers = [(422, {"message": "Validation Failed",
                             "errors": [{"resource": "Issue", "code": "invalid", "field": "labels",
                                         "message": "labels are not allowed"}]})]
    with run_on_commit():
        export = action_item_export_request(item_id=world.item.pk, actor=world.member)

    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED
    assert export.error == "GitHub answered 422: Validation Failed (labels are not allowed)"


def test_a_server_error_is_retried_and_the_retry_creates_the_issue(world, github, run_on_commit):
    github.answers = [(502, {"message": "Server Error"}), CREATED]
    with run_on_commit():
        export = action_item_export_request(item_id=world.item.pk, actor=world.member)

    export.refresh_from_db()
    assert (export.status, export.attempts, export.external_url) == (ExportStatus.SUCCEEDED, 2, ISSUE_URL)
    assert len([request for request in github.received if request.path.endswith("/issues")]) == 2


def test_a_tracker_that_stays_down_fails_after_the_last_attempt(world, github, run_on_commit, settings):
    settings.GITHUB_API_URL = closed_port_url().removesuffix("/hook")
    settings.TRACKER_EXPORT_MAX_ATTEMPTS = 3
    with run_on_commit():
        export = action_item_export_request(item_id=world.item.pk, actor=world.member)

    export.refresh_from_db()
    assert (export.status, export.attempts) == (ExportStatus.FAILED, 3)
    assert export.error.startswith("Could not connect")


def test_an_answer_without_the_issue_address_is_a_failure_not_a_broken_link(world, github, run_on_commit):
    github.answers = [(201, {"number": 7})]
    with run_on_commit():
        export = action_item_export_request(item_id=world.item.pk, actor=world.member)

    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and "html_url" in export.error
    world.item.refresh_from_db()
    assert world.item.external_url == ""


def test_with_the_broker_down_the_export_waits_for_the_sweep(world, github, run_on_commit, monkeypatch, settings):
    with monkeypatch.context() as outage:
        outage.setattr(tasks.tracker_export_task, "delay",
                       lambda *args: (_ for _ in ()).throw(OperationalError("broker down")))
        with run_on_commit():
            export = action_item_export_request(item_id=world.item.pk, actor=world.member)
    assert TrackerExport.objects.get(pk=export.pk).status == ExportStatus.QUEUED and github.received == []

    later = timezone.now() + timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS + 1)
    assert tracker_exports_sweep(now=later) == 1
    assert TrackerExport.objects.get(pk=export.pk).status == ExportStatus.SUCCEEDED


def test_asking_twice_while_queued_returns_the_same_export(world, github):
    first = action_item_export_request(item_id=world.item.pk, actor=world.member)
    second = action_item_export_request(item_id=world.item.pk, actor=world.member)

    assert first.pk == second.pk and TrackerExport.objects.count() == 1


def test_what_cannot_be_exported(world, github, settings):
    linked = action_item_update(item_id=world.item.pk, actor=world.member,
                                external_url="https://acme.atlassian.net/browse/ML-3")
    with pytest.raises(Conflict, match="already links to https://acme.atlassian.net/browse/ML-3"):
        action_item_export_request(item_id=linked.pk, actor=world.member)

    proposed = action_item_propose(incident_id=world.incident.pk, actor=world.member, title="Idea", kind="process")
    with pytest.raises(Conflict, match="not a ticket"):
        action_item_export_request(item_id=proposed.pk, actor=world.member)

    settings.GITHUB_TRACKER_TOKEN = ""
    with pytest.raises(Conflict, match="No external tracker is configured"):
        action_item_export_request(item_id=proposed.pk, actor=world.member)


def test_the_api_queues_the_export(world, github, run_on_commit):
    with run_on_commit():
        response = token_client(world.member).post(f"/api/v1/action-items/{world.item.pk}/export/", format="json")

    assert response.status_code == 202 and response.json()["status"] == "queued"
    detail = token_client(world.outsider).get(f"/api/v1/action-items/{world.item.pk}/").json()
    assert detail["external_url"] == ISSUE_URL and detail["last_export"]["status"] == "succeeded"


def test_the_ticket_page_offers_the_export_to_the_team(world, github, client):
    client.force_login(world.member)
    assert "Create the GitHub issue" in client.get(f"/actions/{world.item.pk}/").content.decode()

    response = client.post(f"/actions/{world.item.pk}/export/")
    assert response.status_code == 302 and TrackerExport.objects.filter(item=world.item).exists()
    client.force_login(world.outsider)
    assert "Create the GitHub issue" not in client.get(f"/actions/{world.item.pk}/").content.decode()
