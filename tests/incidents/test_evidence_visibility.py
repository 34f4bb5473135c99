"""Anyone who sees an incident reads its evidence and its post-mortem, but a report's title is
its reporter's words: evidence naming a report the reader may not open shows only its number,
on every page and in the API and the export. Replays are team work: outsiders get no link."""

from __future__ import annotations

import pytest

from apps.incidents.evidence import incident_evidence_add, incident_evidence_list
from apps.postmortems.export import postmortem_markdown
from apps.replays.services import replay_start
from tests.accounts.factories import UserFactory, token_client
from tests.postmortems.factories import decide, team_postmortem, why
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

SECRET_TITLE = "Loan refused for Jane Roe, 12 Elm Street"


@pytest.fixture
def world():
    world = team_postmortem()
    world.other_report = file_report(reporter=UserFactory(username="case-worker"), version=world.version, index=1,
                                     title=SECRET_TITLE)
    assert world.other_report.incident_id == world.incident.pk
    world.replay = replay_start(actor=world.member, model_version=world.version, reports=[world.report])
    add = dict(incident_id=world.incident.pk, actor=world.member)
    world.cited = [incident_evidence_add(kind="report", ref_id=world.other_report.pk, **add),
                   incident_evidence_add(kind="forensics", ref_id=world.other_report.pk, **add),
                   incident_evidence_add(kind="report", ref_id=world.report.pk, **add),
                   incident_evidence_add(kind="replay", ref_id=world.replay.pk, **add),
                   incident_evidence_add(kind="link", url="https://grafana.example.com/d/abc", **add)]
    node = why(world.postmortem, actor=world.member, answer="The case worker's input was odd",
               evidence_ids=[row.pk for row in world.cited], evidence_note="See the reports.")
    decide(node, actor=world.member, status="confirmed")
    return world


def _titles(rows) -> list[str]:
    return [row.title for row in rows]


def test_the_team_reads_every_title_and_link(world):
    rows = incident_evidence_list(user=world.member, incident_id=world.incident.pk)

    assert f"WTF-{world.other_report.pk} {SECRET_TITLE}" in _titles(rows)
    assert all(row.url for row in rows) and not any(row.withheld for row in rows)


def test_a_reporter_reads_their_own_report_but_not_someone_else_s(world):
    rows = incident_evidence_list(user=world.reporter, incident_id=world.incident.pk)
    by_kind_ref = {(row.kind, row.ref_id): row for row in rows}

    other = by_kind_ref[("report", world.other_report.pk)]
    assert other.withheld and other.url == ""
    assert other.title == f"WTF-{world.other_report.pk} (only the owning team and its reporter see it)"
    assert by_kind_ref[("forensics", world.other_report.pk)].title.startswith(
        f"Input forensics of report #{world.other_report.pk} (only")
    own = by_kind_ref[("report", world.report.pk)]
    assert not own.withheld and own.url == f"/reports/{world.report.pk}/"
    replay = by_kind_ref[("replay", world.replay.pk)]
    assert replay.title.startswith(f"Replay #{world.replay.pk}") and replay.url == ""  # team work: no dead link
    assert by_kind_ref[("link", None)].url == "https://grafana.example.com/d/abc"
    assert SECRET_TITLE not in " ".join(_titles(rows))


def test_no_page_api_or_export_shows_the_withheld_title_to_an_outsider(world, client):
    incident, pm = world.incident, world.postmortem
    client.force_login(world.outsider)
    pages = [client.get(f"/incidents/{incident.pk}/"), client.get(f"/incidents/{incident.pk}/postmortem/"),
             client.get(f"/incidents/{incident.pk}/postmortem/print/")]
    api = token_client(world.outsider)
    answers = [api.get(f"/api/v1/incidents/{incident.pk}/postmortem/"),
               api.get(f"/api/v1/incidents/{incident.pk}/evidence/")]

    for response in pages + answers:
        assert response.status_code == 200
        assert SECRET_TITLE not in response.content.decode(), response.request["PATH_INFO"]
    assert f"WTF-{world.other_report.pk} (only the owning team" in pages[1].content.decode()
    assert SECRET_TITLE not in postmortem_markdown(user=world.outsider, postmortem=pm)
    # …while the team's own reading still has it.
    assert SECRET_TITLE in postmortem_markdown(user=world.member, postmortem=pm)
    client.force_login(world.member)
    assert SECRET_TITLE in client.get(f"/incidents/{incident.pk}/postmortem/").content.decode()
