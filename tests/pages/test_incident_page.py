"""The incident page as the team's console: replay the incident's reports on any version and
read a verdict per version, the reports per day, who reported it and on which versions, the
post-mortem's progress and the tickets — one read model, in a constant number of queries."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from sklearn.dummy import DummyClassifier

from apps.incidents.evidence import incident_evidence_add
from apps.incidents.models import Incident, IncidentEvidence
from apps.incidents.services import incident_update
from apps.pages.selectors.incident import incident_page
from apps.postmortems.models import WhyStatus
from apps.replays.models import Replay
from apps.reports.models import Report
from tests.accounts.factories import access_world, member_of
from tests.actions.factories import accepted_ticket
from tests.postmortems.factories import decide, team_postmortem, why
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world():
    world = access_world()
    # Another report of the same problem (another setosa row), so the incident has two.
    file_report(reporter=world.member, version=world.version, index=1)
    assert Report.objects.filter(incident=world.incident).count() == 2
    # A later version that answers "virginica" whatever it is asked: it changes the answer.
    world.fix = trained_version("fraud-score", "2.0", estimator=DummyClassifier(strategy="constant",
                                                                                  constant="virginica"))
    return world


def text(response) -> str:
    """The page as a person reads it: no tags, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))).strip()


def queries_made(action) -> int:
    count = 0

    def counting(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counting):
        action()
    return count


def replay(client, world, version: str, **extra):
    return client.post(f"/incidents/{world.incident.pk}/replay/", {"model_version": version}, **extra)


@pytest.mark.django_db(transaction=True)  # commits, as the app does: the eager run happens before the answer
def test_the_team_replays_the_incident_on_two_versions_and_reads_a_verdict_per_version(client, world):
    client.force_login(world.member)
    done = replay(client, world, "1.0", follow=True)
    # Without a broker the run has finished before the page comes back: it says so.
    assert (f"Replayed INC-{world.incident.pk}'s 2 reports on version 1.0: 2 reproduced, 0 changed, 0 errors."
            in text(done))
    assert "started" not in text(done) and "queued" not in text(done)
    replay(client, world, "2.0")

    page = text(client.get(f"/incidents/{world.incident.pk}/"))
    assert "1.0: 2 of 2 reproduce · 2.0: 2 of 2 change the answer" in page
    rows = re.findall(r"<tr class=\"tone-(\w+)\">", client.get(f"/incidents/{world.incident.pk}/").content.decode())
    assert rows == ["same", "changed"]
    # Both runs are the batch replay of the API: every report of the incident, on the version asked.
    assert sorted(run.model_version.version for run in Replay.objects.all()) == ["1.0", "2.0"]
    assert all(run.total == 2 for run in Replay.objects.all())


def test_the_latest_run_per_version_decides_its_verdict(client, world, run_on_commit):
    client.force_login(world.member)
    with run_on_commit():
        replay(client, world, "2.0")
        replay(client, world, "2.0")
    verdicts = incident_page(user=world.member, incident_id=world.incident.pk).replay.verdicts
    assert [(verdict.version, verdict.tried, verdict.changed) for verdict in verdicts] == [("2.0", 2, 2)]
    assert verdicts[0].latest_replay_id == Replay.objects.order_by("-id").first().pk


def test_the_newest_version_is_the_default_and_a_replay_without_a_choice_uses_it(client, world, run_on_commit):
    client.force_login(world.member)
    page = client.get(f"/incidents/{world.incident.pk}/").content.decode()
    assert re.search(r'<option value="2.0" selected>2.0 \(newest\)</option>', page)
    with run_on_commit():
        client.post(f"/incidents/{world.incident.pk}/replay/", {})
    assert Replay.objects.get().model_version == world.fix


def test_in_place_the_replay_answers_with_the_panel_and_polls_while_a_run_is_queued(client, world):
    client.force_login(world.member)
    # Not committed: no worker was told, the run waits in the queue.
    answer = replay(client, world, "2.0", **HTMX)
    assert answer.status_code == 200
    markup = answer.content.decode()
    assert 'id="replays"' in markup and "queued: the verdict appears below" in markup
    assert "started" not in markup
    assert 'hx-trigger="every 2s"' in markup  # the page keeps asking until the run is done

    polled = client.get(f"/incidents/{world.incident.pk}/replays/").content.decode()
    assert 'hx-trigger="every 2s"' in polled and 'class="replay-progress"' in polled


def test_an_unknown_version_is_a_message_not_an_error_page(client, world):
    client.force_login(world.member)
    plain = replay(client, world, "9.9", follow=True)
    assert plain.status_code == 200
    assert "fraud-score has no version '9.9': choose one of 2.0, 1.0." in text(plain)
    in_place = replay(client, world, "9.9", **HTMX)
    assert in_place.status_code == 400 and "Not replayed." in in_place.content.decode()
    assert not Replay.objects.exists()


@pytest.mark.parametrize("role", ["reporter", "outsider"])
def test_people_outside_the_team_see_no_replay_controls_and_may_not_replay(client, world, role):
    client.force_login(getattr(world, role))
    markup = client.get(f"/incidents/{world.incident.pk}/").content.decode()
    assert "Replay on this version" not in markup and 'id="replays"' not in markup
    assert replay(client, world, "2.0").status_code == 403
    assert client.get(f"/incidents/{world.incident.pk}/replays/").status_code == 403
    assert not Replay.objects.exists()


def test_a_restricted_incident_is_replayed_by_its_team_and_not_found_by_others(client, world, run_on_commit):
    incident_update(incident_id=world.incident.pk, actor=world.member, restricted=True)
    client.force_login(world.outsider)
    assert replay(client, world, "2.0").status_code == 404
    client.force_login(world.member)
    with run_on_commit():
        assert replay(client, world, "2.0").status_code == 302
    assert Replay.objects.get().total == 2


def test_the_page_counts_reporters_and_lists_each_version_involved_once(client, world):
    client.force_login(world.member)
    markup = client.get(f"/incidents/{world.incident.pk}/").content.decode()
    assert re.search(r'id="model-versions"><code>1.0</code></dd>', markup)  # two reports, one version
    assert "2 reports from 2 reporters" in text(client.get(f"/incidents/{world.incident.pk}/"))
    assert re.search(r'id="reporter-count">2</dd>', markup)


def test_the_chart_shows_reports_per_day_from_the_first_one(client, world):
    Report.objects.filter(incident=world.incident, reporter=world.reporter).update(
        created_at=timezone.now() - timedelta(days=10))
    client.force_login(world.member)
    chart = incident_page(user=world.member, incident_id=world.incident.pk).chart
    assert len(chart.bars) == 11  # from the first report's day to today
    assert [bar.total for bar in chart.bars if bar.total] == [1, 1]
    assert "2 reports in the last 11 days" in text(client.get(f"/incidents/{world.incident.pk}/"))


def test_a_long_incident_shows_its_last_thirty_days(world):
    Report.objects.filter(incident=world.incident, reporter=world.reporter).update(
        created_at=timezone.now() - timedelta(days=90))
    chart = incident_page(user=world.member, incident_id=world.incident.pk).chart
    assert len(chart.bars) == 30 and chart.total == 1


def test_the_side_panel_shows_the_postmortems_progress_and_the_tickets(client):
    world = team_postmortem()
    first = why(world.postmortem, actor=world.member, answer="The unit changed")
    why(world.postmortem, actor=world.member, answer="The schema drifted")
    decide(first, actor=world.member, status=WhyStatus.CONFIRMED)
    accepted_ticket(world, title="Alert on unit changes")
    client.force_login(world.member)
    page = text(client.get(f"/incidents/{world.incident.pk}/"))
    assert "1 of 2 whys checked" in page
    assert "Alert on unit changes" in page and "0 of 1 done" in page


def test_the_page_makes_as_many_queries_for_twenty_reports_as_for_two(client, world, django_assert_num_queries,
                                                                     run_on_commit):
    client.force_login(world.member)
    with run_on_commit():
        replay(client, world, "2.0")
    url = f"/incidents/{world.incident.pk}/"
    client.get(url)
    two = queries_made(lambda: client.get(url))
    for index in range(2, 20):
        file_report(reporter=member_of(world.team, username=f"r{index}"), version=world.version, index=index)
    with run_on_commit():
        replay(client, world, "1.0")
    assert Report.objects.filter(incident=world.incident).count() == 20
    with django_assert_num_queries(two):
        page = client.get(url)
    assert "1.0: 20 of 20 reproduce · 2.0: 2 of 2 change the answer" in text(page)


def test_a_reader_outside_the_team_gets_the_page_in_as_many_queries_for_six_cited_reports_as_for_one(
        client, world, django_assert_num_queries):
    """Evidence citing reports is redacted for people outside the team by asking the reports app
    which of them the reader may open: one question for all the rows, not one a row."""
    cite = dict(incident_id=world.incident.pk, actor=world.member)
    incident_evidence_add(kind="report", ref_id=world.report.pk, **cite)
    client.force_login(world.outsider)
    url = f"/incidents/{world.incident.pk}/"
    client.get(url)
    one = queries_made(lambda: client.get(url))
    for index in range(2, 7):
        cited = file_report(reporter=member_of(world.team, username=f"c{index}"), version=world.version, index=index)
        incident_evidence_add(kind="report", ref_id=cited.pk, **cite)
        incident_evidence_add(kind="forensics", ref_id=cited.pk, **cite)
    with django_assert_num_queries(one):
        page = text(client.get(url))
    assert page.count("(only the owning team and its reporter see it)") == 11


def test_the_grouping_is_worded_for_people_while_the_api_keeps_the_stored_label(client, world):
    label = "fraud-score · output setosa · on checkout · input last_viewed_category:unusual_combination"
    Incident.objects.filter(pk=world.incident.pk).update(fingerprint_label=label)
    client.force_login(world.member)

    page = text(client.get(f"/incidents/{world.incident.pk}/"))
    api = client.get(f"/api/v1/incidents/{world.incident.pk}/").json()

    assert "Grouped by fraud-score · output setosa · on checkout · input last_viewed_category (unusual combination)" \
        in page
    assert "unusual_combination" not in page
    assert api["fingerprint_label"] == label


def test_evidence_names_a_report_by_its_reference_even_when_cited_before_the_reference_style(client, world):
    cite = dict(incident_id=world.incident.pk, actor=world.member)
    incident_evidence_add(kind="report", ref_id=world.report.pk, **cite)
    # A row attached before the reference style keeps its stored title: it reads the same way.
    older = file_report(reporter=world.member, version=world.version, index=3, title="Shoes for a toddler")
    IncidentEvidence.objects.filter(pk=incident_evidence_add(kind="report", ref_id=older.pk, **cite).pk).update(
        title=f"Report #{older.pk}: Shoes for a toddler")
    client.force_login(world.member)

    page = text(client.get(f"/incidents/{world.incident.pk}/"))

    assert f"WTF-{world.report.pk} {world.report.title}" in page
    assert f"WTF-{older.pk} Shoes for a toddler" in page
    assert "Report #" not in page
