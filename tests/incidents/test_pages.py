"""The incident page: what grouping shows, and the merge and move forms for the team."""

from __future__ import annotations

import pytest

from apps.incidents.models import IncidentStatus
from tests.accounts.factories import TeamFactory, UserFactory, member_of
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

SETOSA, VIRGINICA = 0, 100


@pytest.fixture
def team():
    return TeamFactory()


@pytest.fixture
def version(team):
    return trained_version("fraud", team=team)


@pytest.fixture
def member(client, team):
    user = member_of(team)
    client.force_login(user)
    return client


def test_the_page_shows_counts_seen_times_versions_and_why_reports_are_grouped(member, version):
    newer = trained_version("fraud", version="1.1")
    report = file_report(reporter=UserFactory(), version=version, index=0)
    file_report(reporter=UserFactory(), version=newer, index=1)

    page = member.get(f"/incidents/{report.incident_id}/").content.decode()

    assert "2 reports from 2 reporters" in page
    assert 'id="first-seen"' in page and "<time datetime=" in page
    assert "<code>1.0</code>, <code>1.1</code>" in page
    assert "fraud · output setosa · no suspicious input" in page


def test_the_team_sees_merge_and_move_forms_others_do_not(client, member, version):
    reports = [file_report(reporter=UserFactory(), version=version, index=i) for i in (0, 1)]
    other = file_report(reporter=UserFactory(), version=version, index=VIRGINICA).incident

    page = member.get(f"/incidents/{reports[0].incident_id}/").content.decode()
    assert 'id="merge-form"' in page and f'<option value="{other.pk}">INC-{other.pk}' in page
    assert f'action="/reports/{reports[0].pk}/move/"' in page
    assert '<label for="merge-into">Merge this incident into</label>' in page

    client.force_login(member_of(TeamFactory()))
    looking = client.get(f"/incidents/{reports[0].incident_id}/").content.decode()
    assert 'id="merge-form"' not in looking and "/move/" not in looking


def test_merging_from_the_page_lands_on_the_target_with_every_report(member, version):
    target = file_report(reporter=UserFactory(), version=version, index=SETOSA, title="Setosa report").incident
    source = file_report(reporter=UserFactory(), version=version, index=VIRGINICA, title="Virginica report").incident

    response = member.post(f"/incidents/{source.pk}/merge/", {"into": target.pk}, follow=True)

    assert response.redirect_chain[-1][0] == f"/incidents/{target.pk}/"
    page = response.content.decode()
    assert f"INC-{source.pk} is merged into INC-{target.pk}" in page
    assert "Setosa report" in page and "Virginica report" in page
    source.refresh_from_db()
    assert source.status == IncidentStatus.DUPLICATE


def test_a_refused_merge_comes_back_with_the_reason(member, version):
    incident = file_report(reporter=UserFactory(), version=version).incident

    response = member.post(f"/incidents/{incident.pk}/merge/", {"into": incident.pk}, follow=True)

    assert response.redirect_chain[-1][0] == f"/incidents/{incident.pk}/"
    assert "cannot be merged into itself" in response.content.decode()
    missing = member.post(f"/incidents/{incident.pk}/merge/", {"into": ""}, follow=True)
    assert "Choose the incident to merge this one into" in missing.content.decode()


def test_moving_a_report_from_the_page_into_an_incident_of_its_own(member, version):
    stays, leaves = (file_report(reporter=UserFactory(), version=version, index=i) for i in (0, 1))

    response = member.post(f"/reports/{leaves.pk}/move/", {"incident": ""}, follow=True)

    leaves.refresh_from_db()
    assert response.redirect_chain[-1][0] == f"/incidents/{stays.incident_id}/"
    assert f"WTF-{leaves.pk} is now in INC-{leaves.incident_id}" in response.content.decode()
    assert leaves.incident_id != stays.incident_id and leaves.grouping_locked

    refused = member.post(f"/reports/{leaves.pk}/move/", {"incident": ""}, follow=True)
    assert "already the only report" in refused.content.decode()


def test_the_incident_list_goes_page_by_page(client, member, version, monkeypatch):
    monkeypatch.setattr("apps.incidents.views.LIST_PAGE_SIZE", 1)
    older = file_report(reporter=member, version=version, index=SETOSA, output="virginica").incident
    newer = file_report(reporter=member, version=version, index=VIRGINICA, output="setosa").incident
    assert older.pk != newer.pk

    pages = [client.get("/incidents/").content.decode(), client.get("/incidents/?page=2").content.decode()]

    assert f"INC-{newer.pk} " in pages[0] and f"INC-{older.pk} " not in pages[0] and "page 1 of 2" in pages[0]
    assert f"INC-{older.pk} " in pages[1] and "page 2 of 2" in pages[1]
