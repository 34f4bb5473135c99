import pytest
from django.test import Client

from apps.accounts.models import INTAKE_SCOPES
from apps.accounts.services import bot_account_create, membership_set
from apps.feedback.models import Feedback
from apps.reports.models import Report
from tests.accounts.factories import UserFactory, access_world, token_client
from tests.predictions.factories import log_predictions, logged_prediction, prediction_row
from tests.registry.factories import iris_row, trained_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged():
    versions = [trained_version("iris", "1.0"), trained_version("iris", "1.1")]
    log_predictions(*(prediction_row(version, f"p-{version.version}-{n}", index=n)
                      for version in versions for n in range(3)))
    return versions


@pytest.fixture
def widget():
    return token_client(UserFactory(username="widget-bot"), scopes=INTAKE_SCOPES)


def _give(client, **body):
    return client.post("/api/v1/feedback/", {"model": "iris", **body}, format="json")


def test_a_thumbs_up_confirms_the_logged_output_as_the_label(logged, widget):
    response = _give(widget, prediction_id="p-1.0-0", verdict="up")

    assert response.status_code == 201
    assert response.json()["label"] == "setosa" and response.json()["report"] is None
    assert Report.objects.count() == 0


def test_a_thumbs_down_with_a_comment_becomes_a_report_from_the_logged_inputs(logged, widget):
    response = _give(widget, prediction_id="p-1.1-2", verdict="down", label="virginica",
                     comment="This is clearly a virginica\nPhoto attached in the shop")

    report = Report.objects.get()
    assert response.status_code == 201 and response.json()["report"] == report.pk
    assert response.json()["report_url"].endswith(f"/reports/{report.pk}/")
    assert report.title == "This is clearly a virginica"
    assert report.features == iris_row(2) and report.model_version.version == "1.1"
    assert report.expected == "virginica" and report.context == {"source": "feedback"}


def test_a_thumbs_down_without_a_comment_is_only_counted(logged, widget):
    assert _give(widget, prediction_id="p-1.0-1", verdict="down").status_code == 201
    assert Report.objects.count() == 0 and Feedback.objects.get().verdict == "down"


def test_counts_per_version_on_the_api_and_the_model_page(logged, widget):
    given = [("p-1.0-0", "up", ""), ("p-1.0-1", "up", ""), ("p-1.0-2", "down", ""), ("p-1.1-0", "down", "wrong")]
    for prediction_id, verdict, comment in given:
        _give(widget, prediction_id=prediction_id, verdict=verdict, comment=comment)
    reader = UserFactory()

    counts = token_client(reader).get("/api/v1/models/iris/feedback/").json()
    page = Client()
    page.force_login(reader)
    html = page.get("/models/iris/").content.decode()

    assert counts == [{"version": "1.1", "up": 0, "down": 1, "reports": 1, "total": 1},
                      {"version": "1.0", "up": 2, "down": 1, "reports": 0, "total": 3}]
    assert 'data-version="1.0"' in html and "33 %" in html


def test_unknown_predictions_and_bad_verdicts_say_what_to_fix(logged, widget):
    unknown = _give(widget, prediction_id="nope", verdict="up")
    bad = _give(widget, prediction_id="p-1.0-0", verdict="meh")
    no_model = widget.post("/api/v1/feedback/", {"model": "ghost", "prediction_id": "x", "verdict": "up"},
                           format="json")

    assert unknown.status_code == 400 and "prediction_id" in unknown.json()["errors"]
    assert bad.status_code == 400 and "verdict" in bad.json()["errors"]
    assert no_model.status_code == 404
    assert Feedback.objects.count() == 0


def test_a_widget_retry_with_the_same_key_counts_once(logged, widget):
    body = {"model": "iris", "prediction_id": "p-1.0-0", "verdict": "down", "comment": "wrong"}
    first = widget.post("/api/v1/feedback/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = widget.post("/api/v1/feedback/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.json() == again.json()
    assert Feedback.objects.count() == 1 and Report.objects.count() == 1


def test_an_intake_token_cannot_read_the_counts(logged, widget):
    assert widget.get("/api/v1/models/iris/feedback/").status_code == 403


@pytest.fixture
def fraud_world():
    world = access_world()
    logged_prediction(world.version, "acct-1", index=3, output="virginica")
    other_bot = bot_account_create(username="search-bot")
    membership_set(team=world.other_team, user=other_bot, role="member")
    world.other_bot = other_bot
    return world


def _give_on(client, world, prediction_id: str, verdict: str = "up"):
    return client.post("/api/v1/feedback/", {"model": world.model.name, "prediction_id": prediction_id,
                                             "verdict": verdict}, format="json")


@pytest.mark.parametrize("who", ["reporter", "outsider", "other_bot"])
def test_feedback_on_another_teams_prediction_is_refused_without_its_label(fraud_world, who):
    client = token_client(getattr(fraud_world, who), scopes=INTAKE_SCOPES if who == "other_bot" else None)

    known = _give_on(client, fraud_world, "acct-1")
    unknown = _give_on(client, fraud_world, "acct-nope")

    assert known.status_code == unknown.status_code == 403
    assert "virginica" not in known.content.decode()
    # Refused before the log is read: the answer does not tell which ids exist.
    assert known.json()["detail"] == unknown.json()["detail"]
    assert "POST /api/v1/reports/" in known.json()["detail"]
    assert Feedback.objects.count() == 0
    # The team's own widget bot gives it as before.
    own = _give_on(token_client(fraud_world.bot, scopes=INTAKE_SCOPES), fraud_world, "acct-1")
    assert own.status_code == 201 and own.json()["label"] == "virginica"
