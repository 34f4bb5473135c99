"""Export of a ticket to GitHub issues, against a local fake of GitHub's REST API that checks
each request has what the real one requires. A tracker that refuses or is down leaves a failure
on the ticket — never a server error, never a lost export."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.actions import tasks
from apps.actions.models import ExportStatus, TrackerExport, WebhookDelivery
from apps.actions.services import (
    action_item_export_request,
    action_item_update,
    export_marker,
    tracker_exports_sweep,
)
from apps.audit.models import AuditEvent
from apps.core.errors import Conflict
from apps.postmortems.services import action_item_propose
from tests.accounts.factories import token_client

from .factories import endpoint, ticket_world
from .fake_http import Received, closed_port_url

pytestmark = pytest.mark.django_db

TOKEN = "github_pat_test_token"
ISSUE_URL = "https://github.com/acme/fraud-models/issues/7"
CREATED = (201, {"id": 1, "number": 7, "html_url": ISSUE_URL,
                 "url": "https://api.github.com/repos/acme/fraud-models/issues/7", "state": "open"})


class FakeGitHub:
    """What GitHub's issues endpoints need, answered the way GitHub answers: `POST
    /repos/{owner}/{repo}/issues` is checked (a refusal otherwise) and then given the test's
    scripted answer; `GET` on the same path lists the issues this fake created, filtered by
    `since` as GitHub does. (Other paths are the webhook receiver's.)"""

    def __init__(self):
        self.issues: list[dict] = []
        # POSTs that create the issue but whose answer is lost on the way back (GitHub's 504).
        self.lost_answers = 0
        # What GETs answer instead of the list, in order (e.g. GitHub having a bad minute).
        self.lookup_answers: list[tuple[int, object]] = []

    def __call__(self, request: Received):
        if not request.path.startswith("/repos/"):
            return None
        path, _, query = request.path.partition("?")
        if path != "/repos/acme/fraud-models/issues":
            return 404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"}
        refused = self._refuse_headers(request)
        if refused:
            return refused
        if request.method == "GET":
            return self._list(parse_qs(query))
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
        if self.lost_answers:
            self.lost_answers -= 1
            self.create(body)
            return 504, {"message": "We couldn't respond to your request in time."}
        return None

    def create(self, body: dict, *, updated_at: str | None = None) -> dict:
        number = len(self.issues) + 41
        issue = {"number": number, "title": body["title"], "body": body["body"], "state": "open",
                 "html_url": f"https://github.com/acme/fraud-models/issues/{number}",
                 "updated_at": updated_at or timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")}
        self.issues.append(issue)
        return issue

    def _list(self, query: dict[str, list[str]]):
        if self.lookup_answers:
            return self.lookup_answers.pop(0)
        if query.get("state") != ["all"] or "since" not in query:
            return 400, {"message": "this fake expects state=all and since"}
        since = query["since"][0]
        return 200, [issue for issue in reversed(self.issues) if issue["updated_at"] >= since]

    @staticmethod
    def _refuse_headers(request: Received):
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Bad credentials"}
        if not request.headers.get("user-agent"):
            return 403, {"message": "Request forbidden by administrative rules. Please make sure your request has a "
                                    "User-Agent header"}
        if request.headers.get("accept") != "application/vnd.github+json" \
                or request.headers.get("x-github-api-version") != "2022-11-28":
            return 400, {"message": "Unsupported API version or media type"}
        return None


@pytest.fixture
def github(fake_server, settings):
    settings.GITHUB_API_URL = fake_server.url
    settings.GITHUB_TRACKER_REPO = "acme/fraud-models"
    settings.GITHUB_TRACKER_TOKEN = TOKEN
    fake_server.github = FakeGitHub()
    fake_server.check = fake_server.github
    fake_server.answers = [CREATED]
    return fake_server


def posts(server) -> list[Received]:
    return [request for request in server.received if request.method == "POST" and request.path.startswith("/repos/")]


def lookups(server) -> list[Received]:
    return [request for request in server.received if request.method == "GET"]


@pytest.fixture
def world():
    return ticket_world()


def test_a_github_api_url_on_a_private_address_is_refused_unless_allowed(world, github, run_on_commit,
                                                                         settings):
    settings.OUTBOUND_ALLOW_PRIVATE = False  # the fake GitHub is on 127.0.0.1

    with run_on_commit():
        export = action_item_export_request(item_id=world.item.pk, actor=world.member)

    assert github.received == []
    export.refresh_from_db()
    assert (export.status, export.attempts) == (ExportStatus.FAILED, 1)
    assert export.error.startswith("Refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address")


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
    assert len(posts(github)) == 2
    assert len(lookups(github)) == 1  # the retry first looked for an issue the 502 might have created


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


def test_a_retry_links_the_issue_whose_answer_was_lost_instead_of_creating_a_second(world, github, run_on_commit):
    github.github.lost_answers = 1  # GitHub creates the issue, then answers 504
    with run_on_commit():
        export = action_item_export_request(item_id=world.item.pk, actor=world.member)

    [created] = github.github.issues
    export.refresh_from_db()
    assert (export.status, export.attempts, export.external_url) == (ExportStatus.SUCCEEDED, 2, created["html_url"])
    world.item.refresh_from_db()
    assert world.item.external_url == created["html_url"]
    assert len(posts(github)) == 1, "a second issue was created"
    [lookup] = lookups(github)
    query = parse_qs(lookup.path.partition("?")[2])
    assert query["state"] == ["all"] and query["sort"] == ["created"]
    assert query["since"][0] <= export.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    # The marker the retry found names this export, and GitHub does not show it.
    assert "<!-- mlincidents-export: http" in created["body"] and f"#export-{export.pk} -->" in created["body"]


def test_while_github_cannot_say_whether_the_issue_exists_no_second_one_is_created(world, github, run_on_commit,
                                                                                  settings):
    settings.TRACKER_EXPORT_MAX_ATTEMPTS = 3
    github.answers = [(502, {"message": "Server Error"})]
    github.github.lookup_answers = [(503, {"message": "Unavailable"}), (503, {"message": "Unavailable"})]
    with run_on_commit():
        export = action_item_export_request(item_id=world.item.pk, actor=world.member)

    export.refresh_from_db()
    assert (export.status, export.attempts) == (ExportStatus.FAILED, 3)
    assert export.error == "GitHub answered 503: Unavailable"
    assert len(posts(github)) == 1 and len(lookups(github)) == 2


def test_an_issue_from_an_earlier_export_of_the_ticket_is_not_taken_for_this_one(world, github, run_on_commit):
    earlier = TrackerExport.objects.create(item=world.item, status=ExportStatus.SUCCEEDED)
    github.github.create({"title": "old", "body": export_marker(earlier)})
    github.answers = [(502, {"message": "Server Error"}), CREATED]
    with run_on_commit():
        export = action_item_export_request(item_id=world.item.pk, actor=world.member)

    export.refresh_from_db()
    assert (export.status, export.external_url) == (ExportStatus.SUCCEEDED, ISSUE_URL)
    assert len(posts(github)) == 2 and len(lookups(github)) == 1
