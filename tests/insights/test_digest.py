"""The weekly digest: one e-mail to each member and one message to the team's channel, with what
opened, what is open, what is overdue and last week's figures; running again sends nothing."""

from datetime import timedelta

import pytest

from apps.insights.digest import digest_week, team_digests_send
from apps.insights.models import DigestSent, TeamPolicy
from apps.insights.tasks import team_digests_task
from tests.accounts.factories import member_of
from tests.actions.fake_http import FakeServer, start
from tests.notifications.factories import model_webhook

from .factories import at, history, incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel():
    state = FakeServer()
    httpd = start(state)
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def past(channel):
    past = history()
    model_webhook(past.wine.model, channel.url)
    # Opened last week (M2): one the channel may hear of, one restricted to the team.
    past.fresh = incident(past.wine, opened=at(past.weeks[2] + timedelta(days=1), 10), predicted=None,
                          title="Every red is a rosé")
    past.secret = incident(past.wine, opened=at(past.weeks[2] + timedelta(days=2), 10), predicted=None,
                           title="A customer's cellar", restricted=True)
    return past


def test_each_member_gets_the_week_by_e_mail_and_the_channel_without_restricted_incidents(past, channel, mailoutbox):
    member_of(past.team, username="sam", email="sam@example.com")
    member_of(past.team, username="noaddress", email="")

    sent = team_digests_send(today=past.today)

    assert sent.emails == 2  # the reviewer and sam; the member without an address gets none
    assert sorted(message.to[0] for message in mailoutbox) == sorted([past.member.email, "sam@example.com"])
    mail = mailoutbox[0]
    assert f"week of {past.weeks[2]:%-d %b}" in mail.subject and "2 new incidents" in mail.subject
    assert "Every red is a rosé" in mail.body and "A customer's cellar" in mail.body
    assert f"/incidents/{past.fresh.pk}/" in mail.body
    assert "Action items overdue (1)" in mail.body
    assert f"INC-{past.d.pk}" in mail.body.split("Post-mortems overdue")[1]  # critical, no post-mortem
    assert f"INC-{past.b.pk}" in mail.body.split("Post-mortems waiting for review")[1]
    assert "opened 2, resolved 0" in mail.body
    assert "/insights/?team=cellar" in mail.body

    [post] = channel.received
    text = post.json()["text"]
    assert "Every red is a rosé" in text and "A customer's cellar" not in text
    assert "New incidents (1)" in text


def test_running_twice_sends_nothing_twice(past, channel, mailoutbox):
    team_digests_send(today=past.today)
    team_digests_task.delay()  # beat firing again the same week (eager in the tests)
    again = team_digests_send(today=past.today + timedelta(days=1))

    assert again.teams == 0
    assert len(mailoutbox) == 1 and len(channel.received) == 1
    claim = DigestSent.objects.get(team=past.team)
    assert (claim.week, claim.emails, claim.chat_posts) == (digest_week(past.today), 1, 1)
    # The next week is a new digest.
    assert team_digests_send(today=past.today + timedelta(weeks=1)).teams == 2  # both teams
    assert len(channel.received) == 2


def test_a_team_can_turn_the_digest_off_or_send_it_to_its_own_channel(past, channel, mailoutbox):
    TeamPolicy.objects.create(team=past.team, digest_enabled=False)
    team_digests_send(today=past.today)
    assert mailoutbox == [] and channel.received == []

    TeamPolicy.objects.filter(team=past.team).update(digest_enabled=True, digest_chat_url=f"{channel.url}/digest")
    team_digests_send(today=past.today + timedelta(weeks=1))
    assert [post.path for post in channel.received] == ["/digest"]
