"""The overview a triager starts from: the counts that need someone (each a link to the list
it counts), active incidents most severe first, and the reports of the last 30 days."""

from __future__ import annotations

import pytest

from apps.incidents.services import incident_update
from tests.accounts.factories import access_world
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


def test_the_overview_counts_what_needs_someone_and_lists_the_most_severe_first(client):
    world = access_world()
    loud = file_report(reporter=world.reporter, version=world.version, index=100, output="virginica",
                       title="The score is always one").incident
    incident_update(incident_id=loud.pk, actor=world.member, severity="critical")
    client.force_login(world.member)

    page = client.get("/").content.decode()

    stats = page.split('id="home-stats"')[1].split("</dl>")[0]
    assert "Active incidents</a></dt><dd>2<" in stats and "High or critical</a></dt><dd>1<" in stats
    assert "Nobody on it yet</a></dt><dd>2<" in stats and "Reports this week</a></dt><dd>2<" in stats
    assert page.index(f"INC-{loud.pk} ") < page.index(f"INC-{world.incident.pk} ")
    assert "2 reports in the last 30 days" in page


def test_an_outsider_counts_only_what_they_may_see_and_reads_neutral_titles(client):
    world = access_world()
    client.force_login(world.outsider)

    page = client.get("/").content.decode()

    assert "Reports this week</a></dt><dd>0<" in page and "No reports in the last 30 days." in page
    assert world.report.title not in page


def test_the_latest_reports_name_the_model_as_people_know_it_and_its_version(client):
    world = access_world()
    world.model.display_name = "Fraud alerts"
    world.model.save(update_fields=["display_name"])
    client.force_login(world.member)

    page = client.get("/").content.decode()

    latest = page.split("Latest WTF reports")[1].split("</section>")[0]
    assert "Fraud alerts 1.0" in latest
    assert "fraud-score:1.0" not in page
