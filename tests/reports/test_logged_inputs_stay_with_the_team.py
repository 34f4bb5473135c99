"""The inference log holds production data (account ids, customer features): it belongs to the
team that owns the model. People outside the team still file a report by an exact prediction
id, and see that it was found, when, and what the model answered — never the logged input
values, nor candidate lists from a lookup by context. Bots act only on their own team's models."""

import pytest
from django.test import Client

from apps.accounts.models import INTAKE_SCOPES
from apps.accounts.services import bot_account_create, membership_set
from apps.postmortems.services import postmortem_start
from apps.predictions.services import predictions_log
from apps.reports.models import Report
from tests.accounts.factories import access_world, token_client
from tests.registry.factories import iris_row, trained_version

pytestmark = pytest.mark.django_db

# A logged value that appears nowhere else, so a page or answer that shows it is caught.
SECRET = 7.654321


def _log(world, prediction_id: str = "acct-1", **row):
    predictions_log(rows=[{"prediction_id": prediction_id, "model": world.model.name,
                           "model_version": world.version.version, "output": "setosa",
                           "features": iris_row(3) | {"sepal_length": SECRET},
                           "timestamp": "2026-11-20T09:00:00Z", "context": {"customer": "c-42"}} | row])


@pytest.fixture
def world():
    world = access_world()
    _log(world)
    _log(world, "acct-2")  # a second match for the same customer
    return world


def _file(client, world, **body):
    return client.post("/api/v1/reports/", {"model": world.model.name, "title": "Odd score", **body}, format="json")


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", ["reporter", "outsider"])
def test_outside_the_team_a_lookup_by_context_lists_no_candidates(world, role):
    client = token_client(getattr(world, role))

    several = _file(client, world, lookup={"context": {"customer": "c-42"}})
    none = _file(client, world, lookup={"context": {"customer": "c-nobody"}})

    assert several.status_code == none.status_code == 403
    assert "acct-1" not in several.content.decode() and "candidates" not in several.json()
    # The answer is the same whether anything matches: it tells nothing about the log.
    assert several.json()["detail"] == none.json()["detail"]
    assert "prediction_id" in several.json()["detail"]
    assert Report.objects.filter(prediction_id__startswith="acct-").count() == 0
    # The team still narrows a lookup down from the candidates.
    team = _file(token_client(world.member), world, lookup={"context": {"customer": "c-42"}})
    assert team.status_code == 400 and team.json()["candidates"] == ["acct-2", "acct-1"]


def test_outside_the_team_a_report_by_exact_id_is_filed_with_the_logged_inputs_for_the_team(world):
    reporter = token_client(world.reporter)

    filed = _file(reporter, world, prediction_id="acct-1")

    assert filed.status_code == 201, filed.content
    body = filed.json()
    assert body["prediction_id"] == "acct-1" and body["output"] == "setosa"
    assert body["inputs_withheld"] is True and body["features"] is None and body["input_checks"] == []
    assert str(SECRET) not in filed.content.decode()
    report = Report.objects.get(pk=body["id"])
    assert report.features["sepal_length"] == SECRET  # kept for the team

    again = reporter.get(f"/api/v1/reports/{report.pk}/")
    listed = reporter.get("/api/v1/reports/")
    team = token_client(world.member).get(f"/api/v1/reports/{report.pk}/")

    assert again.status_code == 200 and again.json()["inputs_withheld"] is True
    assert str(SECRET) not in again.content.decode() and str(SECRET) not in listed.content.decode()
    assert team.json()["inputs_withheld"] is False and team.json()["features"]["sepal_length"] == SECRET
    assert any(check["value"] == SECRET for check in team.json()["input_checks"])


def test_the_report_page_shows_the_reporter_which_prediction_but_not_its_logged_values(world):
    filed = _file(token_client(world.reporter), world, prediction_id="acct-1").json()

    mine = _page(world.reporter).get(f"/reports/{filed['id']}/").content.decode()
    team = _page(world.member).get(f"/reports/{filed['id']}/").content.decode()

    assert "acct-1" in mine and "setosa" in mine and 'id="inputs-withheld"' in mine
    assert str(SECRET) not in mine and "sepal_length" not in mine
    assert str(SECRET) in team and 'id="inputs-withheld"' not in team


def test_inputs_the_reporter_typed_stay_readable_to_them(world):
    typed = _file(token_client(world.reporter), world, model_version=world.version.version,
                  features=iris_row(5), output="setosa")

    assert typed.status_code == 201
    assert typed.json()["inputs_withheld"] is False and typed.json()["features"] == iris_row(5)


def test_the_post_mortem_facts_withhold_the_logged_values_from_the_reporter(world):
    filed = _file(token_client(world.reporter), world, prediction_id="acct-1").json()
    incident_id = Report.objects.get(pk=filed["id"]).incident_id
    postmortem_start(incident_id=incident_id, actor=world.member)

    mine = _page(world.reporter).get(f"/incidents/{incident_id}/postmortem/")
    team = _page(world.member).get(f"/incidents/{incident_id}/postmortem/")

    assert mine.status_code == 200 and f"WTF-{filed['id']}" in mine.content.decode()
    assert str(SECRET) not in mine.content.decode() and "inputs-withheld" in mine.content.decode()
    assert str(SECRET) in team.content.decode()


@pytest.mark.parametrize("role", ["reporter", "outsider"])
def test_the_form_preview_confirms_the_id_without_the_inputs(world, role):
    preview = _page(getattr(world, role)).get("/reports/new/prediction/",
                                              {"model_version": world.version.pk, "prediction_id": "acct-1"})

    html = preview.content.decode()
    assert preview.status_code == 200 and "Found acct-1" in html
    assert "2026-11-20 09:00" in html and "The model answered <code>setosa</code>" in html
    assert str(SECRET) not in html and "sepal_length" not in html and 'data-inputs="withheld"' in html
    team = _page(world.member).get("/reports/new/prediction/",
                                   {"model_version": world.version.pk, "prediction_id": "acct-1"}).content.decode()
    assert "Found acct-1" in team and str(SECRET) in team and "sepal_length" in team


def test_a_schema_mismatch_in_the_logged_inputs_is_not_quoted_to_an_outsider(world):
    _log(world, "acct-odd", features=iris_row(3) | {"sepal_length": "acct-secret-text"})

    outsider = _file(token_client(world.reporter), world, prediction_id="acct-odd")
    confirmed = _file(token_client(world.reporter), world, prediction_id="acct-odd", allow_schema_mismatch=True)
    team = _file(token_client(world.member), world, prediction_id="acct-odd")

    assert outsider.status_code == 400 and "acct-secret-text" not in outsider.content.decode()
    assert "allow_schema_mismatch" in outsider.json()["detail"]
    assert confirmed.status_code == 201 and "acct-secret-text" not in confirmed.content.decode()
    assert confirmed.json()["schema_problems"] is None
    assert team.status_code == 400 and "acct-secret-text" in team.content.decode()


def test_a_bot_files_only_for_its_own_teams_models(world):
    other_bot = bot_account_create(username="search-bot")
    membership_set(team=world.other_team, user=other_bot, role="member")

    foreign = _file(token_client(other_bot, scopes=INTAKE_SCOPES), world, prediction_id="acct-1")
    foreign_unknown = _file(token_client(other_bot, scopes=INTAKE_SCOPES), world, prediction_id="acct-nope")
    own = _file(token_client(world.bot, scopes=INTAKE_SCOPES), world, prediction_id="acct-1")

    assert foreign.status_code == foreign_unknown.status_code == 403
    assert foreign.json()["detail"] == foreign_unknown.json()["detail"]  # says nothing about which ids exist
    assert own.status_code == 201


def test_a_model_no_team_owns_stays_open_to_everyone_a_teams_model_does_not(world):
    version = trained_version("open-model")
    predictions_log(rows=[{"prediction_id": "o-1", "model": "open-model", "model_version": "1.0",
                           "features": iris_row(3) | {"sepal_length": SECRET}, "output": "setosa",
                           "context": {"customer": "c-1"}}])
    client = token_client(world.reporter)

    found = _file(client, world, model="open-model", lookup={"context": {"customer": "c-1"}})
    preview = _page(world.reporter).get("/reports/new/prediction/", {"model_version": version.pk,
                                                                      "prediction_id": "o-1"})

    teams = _file(client, world, prediction_id="acct-1")

    assert found.status_code == 201 and found.json()["features"]["sepal_length"] == SECRET
    assert str(SECRET) in preview.content.decode()
    assert teams.status_code == 201 and teams.json()["features"] is None


def test_the_form_offers_to_file_a_mismatched_logged_input_without_quoting_it(world):
    _log(world, "acct-odd", features=iris_row(3) | {"sepal_length": "acct-secret-text"})

    response = _page(world.reporter).post("/reports/new/", {"model_version": world.version.pk,
                                                             "prediction_id": "acct-odd", "title": "Odd"})

    html = response.content.decode()
    assert response.status_code == 400 and "acct-secret-text" not in html
    assert "tick “File it anyway”" in html
