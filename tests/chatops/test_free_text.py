"""Chat files what it is told: free text without a prediction id files a report — for the
named or default model, else in the Unsorted inbox — and answers at once with its link, asking
for an id or a screenshot. Real Slack bodies, signed with the v0 signature."""

import pytest
from django.test import Client

from apps.chatops.models import ChatOrigin
from apps.reports.models import Report
from tests.chatops.helpers import slack, slack_form
from tests.registry.factories import trained_version

pytestmark = pytest.mark.django_db

HANDBAG = "the men's homepage shows a handbag in the last-seen box"


def test_with_no_model_registered_at_all_free_text_files_an_unsorted_report_and_answers_with_its_link(
        django_capture_on_commit_callbacks):
    # The answer is built in the request; anything slow (replays, forensics) waits for the commit
    # and a worker, so the 3 s budget holds whatever the worker is doing.
    with django_capture_on_commit_callbacks() as later:
        response = slack(slack_form(HANDBAG))

    report = Report.objects.get()
    text = response.json()["text"]
    assert response.status_code == 200 and response.json()["response_type"] == "ephemeral"
    assert report.is_unsorted and report.incident_id is None and report.inputs == "missing"
    assert report.title == HANDBAG and report.channel == "slack" and report.context["chat_user"] == "ada"
    assert f"filed WTF-{report.pk} in the Unsorted inbox" in text
    assert f"http://localhost:8000/reports/{report.pk}/" in text
    assert "prediction id" in text and "screenshot" in text
    assert later == [], "nothing slow was left for after the answer of an unsorted report"


def test_free_text_names_the_model_or_falls_back_to_the_only_one(logged):
    named = slack(slack_form(f"iris {HANDBAG}")).json()["text"]
    report = Report.objects.get()

    assert report.model.name == "iris" and report.title == HANDBAG and report.inputs == "missing"
    assert f"filed WTF-{report.pk} for iris" in named and "screenshot" in named

    slack(slack_form("every flower is a cactus", trigger_id="second"))
    assert Report.objects.get(title="every flower is a cactus").model.name == "iris"


def test_with_several_models_and_none_named_it_waits_unsorted_unless_a_default_is_set(logged, settings):
    trained_version("wine")
    slack(slack_form("the cellar page is odd"))
    assert Report.objects.get().is_unsorted

    settings.CHATOPS_DEFAULT_MODEL = "wine"
    slack(slack_form("the cellar page is odd again", trigger_id="second"))
    assert Report.objects.get(title="the cellar page is odd again").model.name == "wine"


def test_an_id_in_the_message_still_files_from_the_log_even_without_the_model_named(logged):
    trained_version("wine")
    answer = slack(slack_form("req-777 shows a cactus")).json()["text"]

    report = Report.objects.get()
    assert report.model.name == "iris" and report.prediction_id == "req-777" and report.inputs == "logged"
    assert "I am replaying it" in answer


@pytest.mark.parametrize("text", ["🤬", "🤬 🙄 !!", "iris 😡"])
def test_a_message_of_only_an_emoji_gets_a_clear_answer_and_files_nothing(logged, text):
    answer = slack(slack_form(text)).json()["text"]

    assert "Tell me in words what looked wrong" in answer
    assert Report.objects.count() == 0


def test_a_retried_free_text_command_files_once_and_answers_the_same(logged):
    first = slack(slack_form(HANDBAG, trigger_id="retry-me"))
    again = slack(slack_form(HANDBAG, trigger_id="retry-me"))

    assert Report.objects.count() == 1 and ChatOrigin.objects.count() == 1
    assert again.json() == first.json()


def test_unsorted_chat_reports_answer_status_in_plain_words():
    slack(slack_form(HANDBAG))
    report = Report.objects.get()

    answer = slack(slack_form(f"status {report.pk}", trigger_id="status")).json()["text"]
    assert f"WTF-{report.pk}" in answer and "waits in the Unsorted inbox" in answer


def test_mattermost_free_text_files_too(settings):
    body = {"token": "test-mattermost-token", "text": HANDBAG, "user_name": "ada", "channel_name": "town",
            "command": "/wtf", "trigger_id": "mm-1"}
    response = Client().post("/integrations/mattermost/commands/", body)

    assert response.status_code == 200 and "Unsorted inbox" in response.json()["text"]
    assert Report.objects.get().channel == "mattermost"
