import pytest

from apps.accounts.models import INTAKE_SCOPES
from tests.accounts.factories import access_world, token_client
from tests.registry.factories import iris_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return access_world()


def _report_body(world) -> dict:
    return {"model": world.model.name, "model_version": world.version.version, "features": iris_row(1),
            "output": "setosa", "title": "Filed by the chat bot"}


def test_an_intake_token_files_reports_and_logs_predictions(world):
    bot = token_client(world.bot, scopes=INTAKE_SCOPES)

    filed = bot.post("/api/v1/reports/", _report_body(world), format="json")
    logged = bot.post("/api/v1/predictions/", [{"prediction_id": "x", "model": world.model.name,
                                                "model_version": world.version.version,
                                                "features": iris_row(2), "output": "setosa"}], format="json")

    assert filed.status_code == 201 and filed.json()["title"] == "Filed by the chat bot"
    assert logged.status_code == 201


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/api/v1/reports/"),
    ("get", "/api/v1/reports/{report}/"),
    ("get", "/api/v1/incidents/"),
    ("post", "/api/v1/incidents/{incident}/transition/"),
    ("post", "/api/v1/reports/{report}/replays/"),
    ("get", "/api/v1/models/"),
])
def test_an_intake_token_reads_and_changes_nothing_else(world, method, path):
    bot = token_client(world.bot, scopes=INTAKE_SCOPES)
    url = path.format(report=world.report.pk, incident=world.incident.pk)

    response = getattr(bot, method)(url, {"to": "triaged"} if method == "post" else None, format="json")

    assert response.status_code == 403
    assert "limited to" in response.json()["detail"]


def test_a_full_access_token_acts_with_all_the_users_rights(world):
    member = token_client(world.member)

    assert member.get(f"/api/v1/reports/{world.report.pk}/").status_code == 200
    assert member.post(f"/api/v1/incidents/{world.incident.pk}/transition/", {"to": "triaged"},
                       format="json").status_code == 200
