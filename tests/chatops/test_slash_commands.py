"""Slack and Mattermost slash commands, signed the way the platforms sign them."""

import time

import pytest
from django.test import Client

from apps.reports.models import Report
from tests.accounts.factories import UserFactory
from tests.chatops.helpers import MATTERMOST_TOKEN, slack, slack_form, slack_signature
from tests.registry.factories import iris_row
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


def test_free_text_with_a_prediction_id_files_a_report_from_the_log(logged):
    response = slack(slack_form("iris req-777 the flower shop shows a cactus for roses"))

    report = Report.objects.get()
    assert response.status_code == 200
    assert response.json()["response_type"] == "ephemeral"
    assert f"WTF-{report.pk}" in response.json()["text"] and f"/reports/{report.pk}/" in response.json()["text"]
    assert report.features == iris_row(5) and report.output == "virginica"
    assert report.channel == "slack" and report.title == "the flower shop shows a cactus for roses"
    assert report.context["chat_user"] == "ada" and report.context["chat_channel"] == "ml-wtf"


def test_a_retried_command_files_nothing_twice(logged):
    body = slack_form("req-777 wrong again")

    first, again = slack(body), slack(body)

    assert Report.objects.count() == 1
    assert first.json() == again.json()


def test_forged_stale_and_tampered_requests_are_refused(logged):
    body = slack_form("iris req-777 forged")
    old = int(time.time()) - 6 * 60

    forged = slack(body, signature=slack_signature(body, int(time.time()), secret="not-the-secret"))
    stale = slack(body, timestamp=old, signature=slack_signature(body, old))
    tampered = slack(slack_form("iris req-777 something else"), signature=slack_signature(body, int(time.time())))
    unsigned = Client().post("/integrations/slack/commands/", data=body,
                             content_type="application/x-www-form-urlencoded")

    assert [r.status_code for r in (forged, stale, tampered, unsigned)] == [401, 401, 401, 401]
    assert forged["Content-Type"] == "application/problem+json"
    assert Report.objects.count() == 0


def test_help_and_unknown_ids_get_a_useful_answer(logged):
    # Free text without a prediction id now files a report (issue 16): tests/chatops/test_free_text.py.
    assert "status 12" in slack(slack_form("help")).json()["text"]
    assert "I know no report WTF-99" in slack(slack_form("status 99")).json()["text"]


def test_status_tells_what_became_of_a_chat_report(logged):
    slack(slack_form("iris req-777 cactus"))
    report = Report.objects.get()

    text = slack(slack_form(f"status WTF-{report.pk}", trigger_id="2")).json()["text"]

    assert f"INC-{report.incident_id} is *Open*" in text


def test_status_does_not_reveal_reports_filed_elsewhere(logged):
    private = file_report(reporter=UserFactory(), version=logged, title="Secret customer case")

    text = slack(slack_form(f"status {private.pk}")).json()["text"]

    assert "Secret customer case" not in text and "I know no report" in text


def test_mattermost_commands_are_verified_by_their_token(logged):
    body = slack_form("iris req-777 from mattermost", token=MATTERMOST_TOKEN)
    url = "/integrations/mattermost/commands/"
    form = "application/x-www-form-urlencoded"

    accepted = Client().post(url, data=body, content_type=form)
    by_header = Client().post(url, data=slack_form("status 999999"), content_type=form,
                              HTTP_AUTHORIZATION=f"Token {MATTERMOST_TOKEN}")
    refused = Client().post(url, data=slack_form("iris req-777 x", token="guess"), content_type=form)

    assert accepted.status_code == 200 and Report.objects.get().channel == "mattermost"
    assert by_header.status_code == 200 and "I know no report WTF-999999" in by_header.json()["text"]
    assert refused.status_code == 401 and Report.objects.count() == 1


def test_an_integration_without_its_secret_is_off(logged, settings):
    settings.SLACK_SIGNING_SECRET = ""

    response = slack(slack_form("iris req-777 x"))

    assert response.status_code == 503 and "SLACK_SIGNING_SECRET" in response.json()["detail"]


def test_oversized_text_and_wrong_methods_are_4xx(logged):
    assert slack(slack_form("x" * 5000)).status_code == 400
    assert Client().get("/integrations/slack/commands/").status_code == 405


def test_status_lists_the_open_action_items_of_the_incident(logged):
    from datetime import timedelta

    from django.utils import timezone

    from apps.actions.models import ActionItem
    from apps.actions.services import action_item_review, action_item_transition
    from apps.postmortems.services import action_item_propose, postmortem_start

    slack(slack_form("iris req-777 cactus"))
    report = Report.objects.get()
    author, reviewer = UserFactory(username="ana"), UserFactory(username="bo")
    postmortem_start(incident_id=report.incident_id, actor=author)
    items = []
    for title, kind in (("Check units at ingestion", "preventive"), ("Alert on drift", "detective"),
                        ("Retrain", "corrective")):
        proposed = action_item_propose(incident_id=report.incident_id, actor=author, title=title, kind=kind,
                                       owner="ana")
        items.append(action_item_review(item_id=proposed.pk, actor=reviewer, decision="accept"))
    action_item_transition(item_id=items[1].pk, actor=author, to="in_progress")
    action_item_transition(item_id=items[2].pk, actor=author, to="done")
    ActionItem.objects.filter(pk=items[0].pk).update(due_date=timezone.localdate() - timedelta(days=1))

    text = slack(slack_form(f"status {report.pk}", trigger_id="3")).json()["text"]

    assert "Open action items (2):" in text
    assert f"AI-{items[0].pk} “Check units at ingestion” (open, ana, due " in text and "— OVERDUE" in text
    assert f"AI-{items[1].pk} “Alert on drift” (in progress, ana" in text
    assert "Retrain" not in text


def _in(channel_id: str, channel_name: str, **extra) -> dict:
    return {"channel_id": channel_id, "channel_name": channel_name, **extra}


def test_status_answers_only_in_the_channel_the_report_was_filed_from(logged):
    slack(slack_form("iris req-777 the shop shows cacti", **_in("C1", "ml-wtf")))
    report = Report.objects.get()
    unknown = slack(slack_form("status 999999", trigger_id="9", **_in("C2", "random"))).json()["text"]

    same_channel = slack(slack_form(f"status {report.pk}", trigger_id="2", **_in("C1", "ml-wtf"))).json()["text"]
    other_channel = slack(slack_form(f"status {report.pk}", trigger_id="3", **_in("C2", "random"))).json()["text"]
    # A channel that took the old one's name is another channel.
    same_name = slack(slack_form(f"status {report.pk}", trigger_id="4", **_in("C3", "ml-wtf"))).json()["text"]
    other_workspace = slack(slack_form(f"status {report.pk}", trigger_id="5",
                                  **_in("C1", "ml-wtf", team_id="T2"))).json()["text"]

    assert "the shop shows cacti" in same_channel and f"INC-{report.incident_id}" in same_channel
    for answer in (other_channel, same_name, other_workspace):
        # The same words as for an id that does not exist: nothing tells that it does.
        assert answer == unknown.replace("999999", str(report.pk))
        assert "cacti" not in answer and f"INC-{report.incident_id}" not in answer


def test_status_of_a_slack_report_is_not_told_on_mattermost(logged):
    slack(slack_form("iris req-777 the shop shows cacti", **_in("C1", "ml-wtf")))
    report = Report.objects.get()

    answer = Client().post("/integrations/mattermost/commands/",
                           data=slack_form(f"status {report.pk}", token=MATTERMOST_TOKEN, **_in("C1", "ml-wtf")),
                           content_type="application/x-www-form-urlencoded").json()["text"]

    assert answer == f"I know no report WTF-{report.pk} filed from Mattermost."
