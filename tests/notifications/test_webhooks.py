"""A model's channel hears about its incidents through an incoming webhook."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from apps.incidents.services import incident_transition, incident_update
from apps.notifications.services import WebhookTemporarilyFailed, incident_notify
from tests.notifications.factories import model_webhook
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


class _Channel(BaseHTTPRequestHandler):
    received: list[dict] = []
    answer = 200

    def do_POST(self):  # noqa: N802 — the http.server API
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length)))
        type(self).paths.append(self.path)
        self.send_response(type(self).answer)
        if type(self).location:
            self.send_header("Location", type(self).location)
        self.end_headers()

    def do_GET(self):  # noqa: N802
        type(self).paths.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def channel():
    handler = type("Channel", (_Channel,), {"received": [], "paths": [], "answer": 200, "location": ""})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}/hooks/abc"
    yield handler
    server.shutdown()


@pytest.fixture
def version(channel):
    version = trained_version()
    model_webhook(version.model, channel.url)
    return version


def test_a_new_incident_and_its_resolution_are_announced(channel, version, user, run_on_commit):
    with run_on_commit():
        report = file_report(reporter=user, version=version, title="Cactus among the roses")
    with run_on_commit():
        for status in ("triaged", "investigating", "resolved"):
            incident_transition(incident_id=report.incident_id, to=status, actor=user)

    texts = [message["text"] for message in channel.received]
    assert len(texts) == 2
    assert f"New incident INC-{report.incident_id} on iris: Cactus among the roses" in texts[0]
    assert f"/incidents/{report.incident_id}/" in texts[0]
    assert "is resolved" in texts[1]


def test_nothing_is_sent_before_the_change_commits_or_for_other_models(channel, version, user,
                                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        file_report(reporter=user, version=version)
    assert channel.received == []

    with django_capture_on_commit_callbacks(execute=True):
        file_report(reporter=user, version=trained_version("other-model"))
    assert channel.received == []


def test_restricted_incidents_are_never_announced(channel, version, user):
    report = file_report(reporter=user, version=version)
    incident_update(incident_id=report.incident_id, actor=None, restricted=True)

    assert incident_notify(incident_id=report.incident_id, event="opened") is False
    assert channel.received == []


def test_a_failing_webhook_is_retried_and_a_wrong_url_is_not(channel, version, user):
    report = file_report(reporter=user, version=version)
    channel.answer = 503
    with pytest.raises(WebhookTemporarilyFailed):
        incident_notify(incident_id=report.incident_id, event="opened")

    channel.answer = 404
    assert incident_notify(incident_id=report.incident_id, event="opened") is False


def test_a_regression_reopen_is_announced_as_such(channel, version, user, run_on_commit):
    report = file_report(reporter=user, version=version, title="Cactus again")
    for status in ("triaged", "investigating", "resolved"):
        incident_transition(incident_id=report.incident_id, to=status, actor=user)

    with run_on_commit():
        again = file_report(reporter=user, version=version, title="Cactus again")

    assert again.incident_id == report.incident_id
    assert [message["text"] for message in channel.received][-1].startswith(
        f":repeat: INC-{report.incident_id} on iris is back")


def test_a_webhook_on_a_private_address_is_refused_unless_allowed(channel, version, user, settings):
    report = file_report(reporter=user, version=version)
    settings.OUTBOUND_ALLOW_PRIVATE = False  # the channel is on 127.0.0.1

    assert incident_notify(incident_id=report.incident_id, event="opened") is False
    assert channel.received == []


def test_a_redirect_is_not_followed(channel, version, user):
    # urllib would follow a 302 of the POST as a GET to wherever it points, dropping the body.
    report = file_report(reporter=user, version=version)
    channel.answer = 302
    channel.location = "/elsewhere"

    assert incident_notify(incident_id=report.incident_id, event="opened") is False
    assert channel.paths == ["/hooks/abc"]
