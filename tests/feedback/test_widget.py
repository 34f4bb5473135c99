"""The feedback widget's publishable key: it sends feedback on one model, only from the sites
listed on it (checked on the preflight and on the request), never opens another endpoint, is
rate-limited per key and per address, and stops at once when revoked."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from apps.core.errors import InvalidInput, PermissionDenied
from apps.feedback.models import Feedback
from apps.feedback.services import publishable_key_create, publishable_key_revoke
from apps.reports.models import Report
from tests.accounts.factories import UserFactory, access_world, member_of, token_client
from tests.feedback.factories import widget_key
from tests.predictions.factories import log_predictions, prediction_row
from tests.registry.factories import iris_row, trained_version
from tests.reports.factories import image_bytes, upload

pytestmark = pytest.mark.django_db

SHOP = "https://shop.example.com"


@pytest.fixture
def logged():
    version = trained_version("iris", "1.0")
    log_predictions(*(prediction_row(version, f"p-{n}", index=n) for n in range(3)))
    return version


@pytest.fixture
def key(logged):
    return widget_key()


def _post(key_secret: str, origin: str | None = SHOP, **body):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return APIClient().post(f"/api/v1/feedback/?key={key_secret}", {"model": "iris", **body}, format="json",
                            **headers)


def _preflight(key_secret: str, origin: str, method: str = "POST"):
    return Client().options(f"/api/v1/feedback/?key={key_secret}", HTTP_ORIGIN=origin,
                            HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
                            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type")


def test_the_preflight_from_a_listed_site_is_allowed_for_that_site_only(key):
    response = _preflight(key.secret, SHOP)

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert response["Access-Control-Allow-Methods"] == "POST"
    assert "content-type" in response["Access-Control-Allow-Headers"].lower()
    assert "Origin" in response["Vary"]


def test_the_preflight_from_a_site_not_on_the_list_is_refused_without_cors_headers(key):
    response = _preflight(key.secret, "https://evil.example.net")

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert "evil.example.net" in response.json()["detail"]


def test_a_thumbs_down_with_a_comment_from_the_widget_files_a_report_and_reveals_no_logged_output(key):
    response = _post(key.secret, prediction_id="p-2", verdict="down", comment="Not a setosa at all")

    report = Report.objects.get()
    assert response.status_code == 201
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert response.json() == {"id": Feedback.objects.get().pk, "verdict": "down", "report": report.pk,
                               "reference": f"WTF-{report.pk}"}
    assert report.features == iris_row(2) and report.reporter is None
    assert report.context == {"source": "feedback", "widget_key": f"shop ({key.key.prefix}…)"}
    assert Feedback.objects.get().publishable_key == key.key


def test_a_thumbs_up_from_the_widget_does_not_answer_with_the_logged_label(key):
    response = _post(key.secret, prediction_id="p-0", verdict="up")

    assert response.status_code == 201 and "label" not in response.json()
    assert Feedback.objects.get().label == "setosa"


def test_a_screenshot_sent_as_a_form_is_attached_to_the_report(key):
    response = APIClient().post(f"/api/v1/feedback/?key={key.secret}", {
        "model": "iris", "prediction_id": "p-1", "verdict": "down", "comment": "",
        "screenshot": upload(image_bytes())}, format="multipart", HTTP_ORIGIN=SHOP)

    report = Report.objects.get()
    assert response.status_code == 201
    assert report.title == "Thumbs-down on p-1"
    assert [a.content_type for a in report.attachments.all()] == ["image/png"]


@pytest.mark.parametrize("origin", ["https://evil.example.net", "http://shop.example.com", None])
def test_a_request_from_anywhere_else_is_refused_and_stores_nothing(key, origin):
    response = _post(key.secret, origin=origin, prediction_id="p-2", verdict="down", comment="wrong")

    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response
    assert Feedback.objects.count() == 0 and Report.objects.count() == 0


def test_a_key_for_one_model_sends_no_feedback_on_another(key):
    trained_version("wine", "1.0")
    response = _post(key.secret, model="wine", prediction_id="p-1", verdict="up")

    assert response.status_code == 403 and "'iris' only" in response.json()["detail"]
    assert Feedback.objects.count() == 0


def test_a_revoked_key_stops_at_once(key):
    assert _post(key.secret, prediction_id="p-0", verdict="up").status_code == 201
    publishable_key_revoke(key=key.key, actor=None)

    refused = _post(key.secret, prediction_id="p-1", verdict="up")
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert _preflight(key.secret, SHOP).status_code == 401
    assert Feedback.objects.count() == 1


@pytest.mark.parametrize("how", ["header", "query"])
@pytest.mark.parametrize("path", ["/api/v1/reports/", "/api/v1/models/", "/reports/"])
def test_a_publishable_key_opens_no_other_endpoint(key, how, path):
    client = APIClient()
    if how == "header":
        response = client.get(path, HTTP_AUTHORIZATION=f"Token {key.secret}", HTTP_ORIGIN=SHOP)
    else:
        response = client.get(f"{path}?key={key.secret}", HTTP_ORIGIN=SHOP)

    assert response.status_code == 403
    assert "only sends feedback" in response.json()["detail"]
    assert "Access-Control-Allow-Origin" not in response


def test_the_widget_is_rate_limited_per_address_with_an_answer_it_can_read(key, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "widget_address": "2/min", "widget_key": "100/min"}
    answers = [_post(key.secret, prediction_id="p-0", verdict="up") for _ in range(3)]

    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert answers[2]["Access-Control-Allow-Origin"] == SHOP


def test_the_widget_is_rate_limited_per_key(key, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "widget_address": None, "widget_key": "1/min"}
    other = widget_key(name="other shop")

    assert _post(key.secret, prediction_id="p-0", verdict="up").status_code == 201
    assert _post(key.secret, prediction_id="p-0", verdict="up").status_code == 429
    assert _post(other.secret, prediction_id="p-0", verdict="up").status_code == 201


def test_the_team_bots_token_still_works_as_before(logged):
    bot = token_client(UserFactory(username="widget-bot"), scopes=["feedback:create"])
    response = bot.post("/api/v1/feedback/", {"model": "iris", "prediction_id": "p-0", "verdict": "up"},
                        format="json")

    assert response.status_code == 201 and response.json()["label"] == "setosa"
    assert "Access-Control-Allow-Origin" not in response


def test_origins_are_written_as_the_browser_sends_them(logged):
    issued = widget_key(origins=["HTTPS://Shop.Example.com/", "https://shop.example.com:443", "http://localhost:8080"])
    assert issued.key.allowed_origins == ["http://localhost:8080", "https://shop.example.com"]
    assert issued.secret.startswith("mli_pk_") and issued.key.digest != issued.secret

    for bad in (["https://shop.example.com/products"], ["shop.example.com"], ["ftp://shop.example.com"], [" "]):
        with pytest.raises(InvalidInput):
            widget_key(origins=bad)


def test_only_the_models_team_issues_and_revokes_its_widget_keys():
    world = access_world()
    issued = publishable_key_create(model_name=world.model.name, name="shop", allowed_origins=[SHOP],
                                    actor=world.member)

    for person in (world.outsider, world.reporter):
        with pytest.raises(PermissionDenied):
            publishable_key_create(model_name=world.model.name, name="x", allowed_origins=[SHOP], actor=person)
        with pytest.raises(PermissionDenied):
            publishable_key_revoke(key=issued.key, actor=person)
    publishable_key_revoke(key=issued.key, actor=member_of(world.team))
    issued.key.refresh_from_db()
    assert issued.key.revoked_at is not None


def test_the_tokens_page_issues_shows_and_revokes_widget_keys():
    world = access_world()
    page = Client()
    page.force_login(world.member)

    created = page.post("/account/widget-keys/new/", {"name": "shop pages", "model": world.model.name,
                                                     "allowed_origins": f"{SHOP}\nhttps://m.example.com"})
    html = created.content.decode()
    key = world.model.publishable_keys.get()
    assert created.status_code == 201 and 'id="new-widget-key"' in html
    assert "/static/widget/feedback.js" in html and f'data-model="{world.model.name}"' in html
    assert key.allowed_origins == ["https://m.example.com", SHOP]

    bad = page.post("/account/widget-keys/new/", {"name": "x", "model": world.model.name,
                                                 "allowed_origins": "https://shop.example.com/path"})
    assert bad.status_code == 400 and "is not an origin" in bad.content.decode()

    assert page.post(f"/account/widget-keys/{key.pk}/revoke/").status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None

    outsider = Client()
    outsider.force_login(world.outsider)
    assert world.model.name not in outsider.get("/account/tokens/").content.decode().split("Feedback widget keys")[1]
    assert outsider.post(f"/account/widget-keys/{key.pk}/revoke/").status_code == 404
