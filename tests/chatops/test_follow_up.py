"""After a chat report, the replay verdict goes back to the channel through response_url."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from apps.chatops import tasks
from apps.chatops.follow_up import chat_follow_up, response_url_allowed
from apps.reports.models import Report
from tests.chatops.factories import filed_from_slack
from tests.chatops.helpers import slack, slack_form
from tests.predictions.factories import logged_prediction
from tests.registry.factories import trained_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged():
    version = trained_version("iris")
    logged_prediction(version, "req-9", index=0, output="virginica")  # the model says setosa
    return version


@pytest.fixture
def channel():
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — the http.server API
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/response")
            else:
                self.send_response(200)
            self.end_headers()

        def do_GET(self):  # noqa: N802 — what following a redirect of the POST would send
            received.append({"GET": self.path})
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/response", received
    server.shutdown()


def test_the_verdict_of_the_replay_is_posted_to_the_channel(logged, channel, django_capture_on_commit_callbacks):
    url, received = channel
    with django_capture_on_commit_callbacks(execute=True):
        slack(slack_form("iris req-9 this is no virginica", response_url=""))
    report = Report.objects.get()

    text = chat_follow_up(report_id=report.pk, response_url=url)
    again = chat_follow_up(report_id=report.pk, response_url=url)  # a retried task

    assert received == [{"response_type": "ephemeral", "text": text}] * 2 and again == text
    assert "now gives `setosa`, not the logged `virginica`" in text
    assert report.replays.get().status == "succeeded"


def test_filing_from_slack_schedules_the_follow_up_for_slacks_own_host(logged, monkeypatch,
                                                                        django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks.chat_follow_up_task, "delay", lambda *args: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        answer = slack(slack_form("iris req-9 odd", response_url="https://hooks.slack.com/commands/T1/2/3"))
    with django_capture_on_commit_callbacks(execute=True):
        slack(slack_form("iris req-9 odd again", trigger_id="other", response_url="https://evil.example/steal"))

    assert "I am replaying it" in answer.json()["text"]
    assert sent == [(Report.objects.order_by("pk").first().pk, "https://hooks.slack.com/commands/T1/2/3")]


@pytest.mark.parametrize(("platform", "url", "allowed"), [
    ("slack", "https://hooks.slack.com/commands/T1/2/3", True),
    ("slack", "http://hooks.slack.com/commands/T1/2/3", False),
    ("slack", "https://hooks.slack.com.evil.example/x", False),
    ("slack", "https://127.0.0.1/x", False),
    ("mattermost", "https://chat.example.com/hooks/commands/abc", True),
    ("mattermost", "https://intranet.example.com/admin", False),
    ("slack", "", False),
])
def test_response_urls_only_go_to_the_platforms_own_hosts(settings, platform, url, allowed):
    settings.MATTERMOST_RESPONSE_HOSTS = ["chat.example.com"]

    assert response_url_allowed(platform=platform, url=url) is allowed


def _filed_from_slack(django_capture_on_commit_callbacks) -> Report:
    with django_capture_on_commit_callbacks(execute=True):
        return filed_from_slack("iris req-9 this is no virginica", response_url="")


def test_a_response_url_on_a_private_address_is_refused_unless_allowed(logged, channel, settings,
                                                                       django_capture_on_commit_callbacks):
    # A self-hosted Mattermost named in MATTERMOST_RESPONSE_HOSTS that resolves to a private
    # address needs OUTBOUND_ALLOW_PRIVATE.
    url, received = channel
    report = _filed_from_slack(django_capture_on_commit_callbacks)
    settings.OUTBOUND_ALLOW_PRIVATE = False

    assert chat_follow_up(report_id=report.pk, response_url=url) is None
    assert received == []


def test_a_redirect_of_the_follow_up_is_not_followed(logged, channel, django_capture_on_commit_callbacks):
    url, received = channel
    report = _filed_from_slack(django_capture_on_commit_callbacks)

    assert chat_follow_up(report_id=report.pk, response_url=url.replace("/response", "/moved")) is None
    assert len(received) == 1 and "text" in received[0]  # the one POST to /moved, no GET after it
