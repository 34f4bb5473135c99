"""A person who filed from Slack hears back there when the incident moves: through the
command's response_url while it lives (30 minutes), then in the model's channel with a mention.
Against a real local HTTP receiver standing in for Slack."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.chatops.hear_back import chat_status_tell
from apps.chatops.models import ChatOrigin
from apps.incidents.hooks import StatusChange
from apps.incidents.services import incident_transition, incident_update
from apps.reports.models import Report
from tests.accounts.factories import admin_user
from tests.chatops.factories import filed_from_slack
from tests.chatops.helpers import slack, slack_form
from tests.notifications.factories import model_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture
def slack_receiver(settings):
    received: list[tuple[str, dict]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 — the http.server API
            received.append((self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # Our local "Slack": its host is the one response_urls may point at, over plain http (DEBUG).
    settings.SLACK_RESPONSE_HOSTS = ["127.0.0.1"]
    settings.DEBUG = True
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def filed(logged, slack_receiver):
    base, _ = slack_receiver
    return filed_from_slack("iris req-777 shows a cactus for roses", response_url=f"{base}/response")


def _move(report, to: str, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        incident_transition(incident_id=report.incident_id, to=to, actor=admin_user(), **kwargs)


def test_within_30_minutes_the_answer_goes_to_the_commands_response_url(filed, slack_receiver,
                                                                        django_capture_on_commit_callbacks):
    _, received = slack_receiver
    _move(filed, "triaged", django_capture_on_commit_callbacks)

    assert received == [("/response", {
        "response_type": "ephemeral", "replace_original": False,
        "text": f"WTF-{filed.pk} “shows a cactus for roses”: the team confirmed the problem and will work on it. "
                f"http://localhost:8000/reports/{filed.pk}/"})]


def test_later_the_models_channel_is_told_with_a_mention_of_the_reporter(filed, slack_receiver,
                                                                       django_capture_on_commit_callbacks):
    base, received = slack_receiver
    model_webhook(filed.model, f"{base}/channel")
    later = timezone.now() + timedelta(minutes=31)
    with mock.patch("django.utils.timezone.now", return_value=later):
        _move(filed, "declined", django_capture_on_commit_callbacks, note="Cacti are roses in this shop.")

    assert [path for path, _ in received] == ["/channel"]
    text = received[0][1]["text"]
    assert text.startswith(f"<@U42> your report WTF-{filed.pk} “shows a cactus for roses”: declined")
    assert "Cacti are roses in this shop." in text


def test_a_restricted_incident_is_not_told_in_a_channel(filed, slack_receiver, django_capture_on_commit_callbacks):
    base, received = slack_receiver
    model_webhook(filed.model, f"{base}/channel")
    incident_update(incident_id=filed.incident_id, actor=admin_user(), restricted=True)
    later = timezone.now() + timedelta(minutes=31)
    with mock.patch("django.utils.timezone.now", return_value=later):
        _move(filed, "triaged", django_capture_on_commit_callbacks)

    assert received == []


def test_a_change_is_told_once_however_often_the_task_runs(filed, slack_receiver):
    _, received = slack_receiver
    change = StatusChange(incident_id=filed.incident_id, old="open", new="triaged", at=timezone.now(),
                          event="triaged").as_json()
    origin = ChatOrigin.objects.get(report=filed)

    assert [chat_status_tell(origin_id=origin.pk, change=change) for _ in range(2)] == ["response_url", None]
    assert len(received) == 1


def test_a_response_url_on_another_host_is_not_kept(logged, slack_receiver):
    slack(slack_form("iris req-777 odd", response_url="https://evil.example/steal"))

    assert ChatOrigin.objects.get().response_url == ""


def test_the_chat_bot_account_is_created_once_through_the_audited_service(logged, slack_receiver):
    slack(slack_form("iris req-777 first"))
    slack(slack_form("iris req-777 second", trigger_id="another"))

    events = AuditEvent.objects.filter(action="bot_account.create")
    assert [event.new for event in events] == [{"username": "slack-bot"}]
    assert Report.objects.filter(reporter__username="slack-bot", reporter__bot_account__isnull=False).count() == 2
