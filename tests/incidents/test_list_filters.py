"""The incident list people can work with: a search box, filters and sorting in the URL,
severity and owner on every row, counts — and a search never matches words of a title the
reader is only shown a neutral title for."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.incidents.services import incident_transition, incident_update
from tests.accounts.factories import access_world
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = access_world()
    world.report.incident.title = "Every invoice scored as fraud"
    world.report.incident.save(update_fields=["title"])
    world.loud = file_report(reporter=world.reporter, version=world.version, index=100, output="virginica",
                             title="The score is always one").incident
    world.quiet = file_report(reporter=world.reporter, version=world.version, index=60, output="versicolor",
                              title="A slow page").incident
    incident_update(incident_id=world.loud.pk, actor=world.member, severity="critical", owner=world.member)
    incident_update(incident_id=world.quiet.pk, actor=world.member, severity="low")
    incident_transition(incident_id=world.quiet.pk, to="resolved", actor=world.member)
    return world


def _listed(client, user, **params) -> str:
    client.force_login(user)
    response = client.get("/incidents/", params)
    assert response.status_code == 200
    return response.content.decode()


def _ids(page: str, world) -> set[int]:
    return {incident.pk for incident in (world.incident, world.loud, world.quiet) if f"INC-{incident.pk} " in page}


def test_filters_narrow_the_list_and_say_how_many_match(client, world):
    assert _ids(_listed(client, world.member, severity="critical"), world) == {world.loud.pk}
    assert _ids(_listed(client, world.member, status="active"), world) == {world.incident.pk, world.loud.pk}
    assert _ids(_listed(client, world.member, status="resolved"), world) == {world.quiet.pk}
    assert _ids(_listed(client, world.member, owner="me"), world) == {world.loud.pk}
    assert _ids(_listed(client, world.member, owner="none"), world) == {world.incident.pk, world.quiet.pk}
    assert _ids(_listed(client, world.admin, team="fraud"), world) == {world.incident.pk, world.loud.pk,
                                                                       world.quiet.pk}
    assert "Team: Select a valid choice." in _listed(client, world.admin, team="search")  # owns no incident
    page = _listed(client, world.member, severity="critical", status="active")
    assert "1 incident match." in page and 'class="badge severity-critical">Critical<' in page


def test_the_search_box_finds_titles_numbers_and_models(client, world):
    assert _ids(_listed(client, world.member, q="always one"), world) == {world.loud.pk}
    assert _ids(_listed(client, world.member, q=f"inc-{world.quiet.pk}"), world) == {world.quiet.pk}
    assert _ids(_listed(client, world.member, q="fraud-score"), world) == {world.incident.pk, world.loud.pk,
                                                                            world.quiet.pk}
    assert "No incident matches these filters." in _listed(client, world.member, q="nothing like this")


def test_outsiders_cannot_find_an_incident_by_words_of_its_hidden_title(client, world):
    assert _ids(_listed(client, world.outsider, q="always one"), world) == set()
    assert _ids(_listed(client, world.member, q="always one"), world) == {world.loud.pk}


def test_sorting_by_severity_puts_the_critical_one_first(client, world):
    page = _listed(client, world.member, sort="severity")
    assert page.index(f"INC-{world.loud.pk} ") < page.index(f"INC-{world.incident.pk} ") \
        < page.index(f"INC-{world.quiet.pk} ")


def test_a_filter_that_does_not_parse_is_named_and_ignored_never_a_500(client, world):
    page = _listed(client, world.member, severity="catastrophic", since="last tuesday")
    assert "Severity: Select a valid choice." in page and "(ignored)" in page
    assert _ids(page, world) == {world.incident.pk, world.loud.pk, world.quiet.pk}


def test_the_filters_stay_in_the_pager_links(client, world, monkeypatch):
    monkeypatch.setattr("apps.incidents.views.LIST_PAGE_SIZE", 1)
    page = _listed(client, world.member, status="active")
    assert 'href="?status=active&amp;page=2"' in page


def test_the_list_reads_the_same_number_of_queries_however_many_incidents(client, world):
    client.force_login(world.member)
    with CaptureQueriesContext(connection) as few:
        client.get("/incidents/", {"status": "active", "q": "a"})
    for index in range(110, 118):
        incident = file_report(reporter=world.reporter, version=world.version, index=index % 150,
                               output=f"class-{index}").incident
        incident_update(incident_id=incident.pk, actor=world.member, owner=world.reviewer)
    with CaptureQueriesContext(connection) as many:
        client.get("/incidents/", {"status": "active", "q": "a"})
    assert len(many) == len(few)


def test_the_filters_that_parse_still_apply_beside_one_that_does_not(client, world):
    page = _listed(client, world.member, severity="critical", since="last tuesday")
    assert "Opened from: Enter a valid date." in page and _ids(page, world) == {world.loud.pk}


def test_on_a_phone_each_fact_of_a_row_is_named_in_words_without_stray_punctuation(client, world):
    page = _listed(client, world.member)

    labels = set(re.findall(r'data-label="([^"]*)"', page))

    assert labels == {"owner", "last report", "opened"}
