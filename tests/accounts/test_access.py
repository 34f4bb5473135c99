"""Who sees and changes what (README, "Access control"), through the API and the pages."""

import pytest
from django.test import Client

from apps.accounts.models import INTAKE_SCOPES
from apps.incidents.services import incident_update
from apps.replays.services import replay_start
from tests.accounts.factories import UserFactory, access_world, token_client
from tests.registry.factories import iris_row, trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return access_world()


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _report_ids(client) -> set[int]:
    return {row["id"] for row in client.get("/api/v1/reports/").json()["results"]}


def test_another_teams_report_is_not_found_not_forbidden(world):
    response = token_client(world.outsider).get(f"/api/v1/reports/{world.report.pk}/")

    assert response.status_code == 404
    assert "features" not in response.json()
    assert _page(world.outsider).get(f"/reports/{world.report.pk}/").status_code == 404


def test_reporters_see_their_own_reports_and_the_team_sees_all_of_its_models(world):
    someone_elses = file_report(reporter=world.member, version=world.version, title="member's")

    assert _report_ids(token_client(world.reporter)) == {world.report.pk}
    assert _report_ids(token_client(world.member)) == {world.report.pk, someone_elses.pk}
    assert _report_ids(token_client(world.outsider)) == set()
    assert _report_ids(token_client(world.admin)) == {world.report.pk, someone_elses.pk}


def test_report_list_page_shows_only_what_the_user_may_see(world):
    file_report(reporter=world.member, version=world.version, title="Team-only case")

    assert "Team-only case" not in _page(world.reporter).get("/reports/").content.decode()
    assert "Team-only case" in _page(world.member).get("/reports/").content.decode()


def test_restricted_incident_is_hidden_from_everyone_but_its_team_and_named_people(world):
    named = UserFactory()
    incident_update(incident_id=world.incident.pk, actor=world.member, restricted=True, restricted_to=[named])
    url = f"/api/v1/incidents/{world.incident.pk}/"

    assert token_client(world.outsider).get(url).status_code == 404
    assert token_client(world.reporter).get(url).status_code == 404
    assert token_client(named).get(url).status_code == 200
    assert token_client(world.member).get(url).json()["restricted_to"] == [named.username]
    # The reporter still follows their own report, and sees its status.
    page = _page(world.reporter).get(f"/reports/{world.report.pk}/")
    assert page.status_code == 200
    assert f'href="/incidents/{world.incident.pk}/"' not in page.content.decode()


def test_named_people_see_the_reports_of_a_restricted_incident(world):
    named = UserFactory()
    incident_update(incident_id=world.incident.pk, actor=world.admin, restricted=True, restricted_to=[named])

    assert token_client(named).get(f"/api/v1/reports/{world.report.pk}/").status_code == 200


def test_restricting_an_incident_names_the_person_who_did_it(world):
    helper = UserFactory()
    incident_update(incident_id=world.incident.pk, actor=world.member, restricted=True, restricted_to=[helper])

    incident_update(incident_id=world.incident.pk, actor=helper, restricted=True, restricted_to=[])

    world.incident.refresh_from_db()
    assert list(world.incident.restricted_to.all()) == [helper]


def test_others_see_an_open_incidents_outcome_but_cannot_change_it(world):
    outsider = token_client(world.outsider)
    url = f"/api/v1/incidents/{world.incident.pk}/"

    assert outsider.get(url).status_code == 200
    patched = outsider.patch(url, {"severity": "high"}, format="json")
    moved = outsider.post(f"{url}transition/", {"to": "triaged"}, format="json")

    assert patched.status_code == 403 and "fraud-score" in patched.json()["detail"]
    assert moved.status_code == 403
    assert token_client(world.member).post(f"{url}transition/", {"to": "triaged"}, format="json").status_code == 200


def test_only_the_team_replays_a_report(world, run_on_commit):
    response = token_client(world.reporter).post(f"/api/v1/reports/{world.report.pk}/replays/", {}, format="json")
    assert response.status_code == 403

    with run_on_commit():
        accepted = token_client(world.member).post(f"/api/v1/reports/{world.report.pk}/replays/", {}, format="json")
    assert accepted.status_code == 202
    replay_url = f"/api/v1/replays/{accepted.json()['id']}/"
    assert token_client(world.outsider).get(replay_url).status_code == 404
    assert token_client(world.reviewer).get(replay_url).json()["status"] == "succeeded"


def test_reporter_page_has_no_replay_panel_and_no_inference_log(world):
    report_page = _page(world.reporter).get(f"/reports/{world.report.pk}/").content.decode()
    model_page = _page(world.reporter).get(f"/models/{world.model.name}/").content.decode()

    assert 'id="replay-button"' not in report_page
    assert "Latest logged predictions" not in model_page
    assert 'id="replay-button"' in _page(world.member).get(f"/reports/{world.report.pk}/").content.decode()


def test_logging_predictions_for_another_teams_model_is_forbidden(world):
    row = {"prediction_id": "p-1", "model": world.model.name, "model_version": world.version.version,
           "features": iris_row(0), "output": "setosa"}

    refused = token_client(world.outsider).post("/api/v1/predictions/", [row], format="json")
    accepted = token_client(world.bot, scopes=INTAKE_SCOPES).post("/api/v1/predictions/", [row], format="json")

    assert refused.status_code == 403
    assert accepted.status_code == 201 and accepted.json()["created"] == 1


def test_a_model_no_team_owns_is_open_to_everyone_signed_in(run_on_commit):
    version = trained_version("unowned")
    anyone = UserFactory()
    report = file_report(reporter=UserFactory(), version=version)

    assert token_client(anyone).get(f"/api/v1/reports/{report.pk}/").status_code == 200
    with run_on_commit():
        replay = replay_start(actor=anyone, model_version=version, reports=[report])
    assert replay.pk


def test_anonymous_requests_are_refused(world, anonymous_client):
    for url in ("/api/v1/reports/", f"/api/v1/reports/{world.report.pk}/", "/api/v1/incidents/"):
        assert anonymous_client.get(url).status_code == 401
    assert Client().get(f"/reports/{world.report.pk}/").status_code == 302


def test_lifting_a_restriction_ends_the_access_it_granted(world):
    named = UserFactory()
    incident_update(incident_id=world.incident.pk, actor=world.member, restricted=True, restricted_to=[named])
    assert token_client(named).get(f"/api/v1/reports/{world.report.pk}/").status_code == 200

    lifted = token_client(world.member).patch(f"/api/v1/incidents/{world.incident.pk}/", {"restricted": False},
                                              format="json")

    # Named only for the restriction: now like any signed-in user outside the team.
    client = token_client(named)
    assert lifted.status_code == 200 and lifted.json()["restricted_to"] == []
    assert client.get(f"/api/v1/reports/{world.report.pk}/").status_code == 404
    assert world.report.pk not in _report_ids(client)
    assert _page(named).get(f"/reports/{world.report.pk}/").status_code == 404
    assert client.get(f"/api/v1/incidents/{world.incident.pk}/").status_code == 200  # the outcome, as for all
    assert client.patch(f"/api/v1/incidents/{world.incident.pk}/", {"severity": "high"},
                        format="json").status_code == 403


def test_names_left_on_an_unrestricted_incident_grant_nothing(world):
    # Incidents un-restricted before the names were cleared on lifting still hold them.
    named = UserFactory()
    incident_update(incident_id=world.incident.pk, actor=world.member, restricted=True, restricted_to=[named])
    type(world.incident).objects.filter(pk=world.incident.pk).update(restricted=False)

    assert token_client(named).get(f"/api/v1/reports/{world.report.pk}/").status_code == 404


def test_naming_people_on_an_unrestricted_incident_says_what_to_fix(world):
    response = token_client(world.member).patch(f"/api/v1/incidents/{world.incident.pk}/",
                                                {"restricted_to": [world.outsider.username]}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["restricted_to"] == ["Only with restricted: true."]
    assert not world.incident.restricted_to.exists()
