"""The report form for a person who is not an ML engineer, and the pages that complete a report
later: the team links its prediction, a triager sorts it, the team keeps its places."""

import pytest
from django.test import Client

from apps.accounts.services import triager_set
from apps.predictions.services import predictions_log
from apps.registry.models import Surface
from apps.reports.models import Report
from apps.reports.services import report_create
from tests.accounts.factories import TeamFactory, UserFactory, admin_user, member_of
from tests.registry.factories import iris_row, trained_version
from tests.reports.factories import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    return TeamFactory(slug="flowers")


@pytest.fixture
def versions(team):
    old = trained_version("iris", "1.0", team=team)
    predictions_log(rows=[{"prediction_id": "p-1", "model": "iris", "model_version": "1.0", "features": iris_row(3),
                           "output": "setosa", "context": {"surface": "cellar-page"}}])
    return old, trained_version("iris", "1.1")


@pytest.fixture
def cellar(versions):
    return Surface.objects.create(model=versions[0].model, key="cellar-page", name="Cellar page",
                                  current_version=versions[0])


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def casey():
    return _signed_in(UserFactory(username="casey"))


def test_only_what_looked_wrong_files_a_report_that_waits_unsorted(casey):
    response = casey.post("/reports/new/", {"title": "The homepage shows a handbag"})

    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/"
    assert report.is_unsorted and report.inputs == "missing" and report.channel == "form"
    page = casey.get(response["Location"]).content.decode()
    assert "waits for someone to tell which model" in page


def test_a_title_of_only_spaces_is_one_message_next_to_its_field(casey):
    response = casey.post("/reports/new/", {"title": "   ", "expected": "kept"})

    html = response.content.decode()
    assert response.status_code == 400 and Report.objects.count() == 0
    assert html.count("Say in a few words what looked wrong.") == 1
    assert 'href="#id_title"' in html and "One thing to fix" in html
    assert "kept</textarea>" in html  # what was typed stays


def test_the_place_names_the_model_and_its_version_and_an_id_kind_goes_to_the_context(casey, cellar):
    casey.post("/reports/new/", {"title": "odd", "surface": str(cellar.pk), "pointer_kind": "request",
                                 "prediction_id": "req-42", "seen_at": "2026-12-01T10:30"})

    report = Report.objects.get()
    assert report.model.name == "iris" and report.model_version.version == "1.0"
    assert report.context == {"surface": "cellar-page", "request_id": "req-42"}
    assert report.inputs == "missing" and report.seen_at.isoformat().startswith("2026-12-01T10:30")


def test_a_prediction_id_alone_finds_its_model_and_a_wrong_one_is_said_in_the_reporters_words(casey, versions):
    wrong = casey.post("/reports/new/", {"title": "odd", "prediction_id": "p-nope"})
    assert wrong.status_code == 400 and "We could not find this prediction id" in wrong.content.decode()
    assert "model_version" not in wrong.content.decode()

    casey.post("/reports/new/", {"title": "odd", "prediction_id": "p-1"})
    report = Report.objects.get()
    assert report.inputs == "logged" and report.model_version.version == "1.0"


def test_a_screenshot_with_only_a_title_is_kept(casey):
    casey.post("/reports/new/", {"title": "odd", "screenshot": upload(image_bytes("PNG"), "seen.png")})

    assert Report.objects.get().attachments.count() == 1


def test_look_it_up_without_a_place_and_with_a_request_id(casey, versions):
    found = casey.get("/reports/new/prediction/", {"prediction_id": "p-1"}).content.decode()
    passed_on = casey.get("/reports/new/prediction/", {"prediction_id": "req-1", "kind": "request"})

    assert "Found p-1" in found and "sepal_length" not in found  # casey is not in the team
    assert passed_on.status_code == 200 and "the team looks up request id" in passed_on.content.decode()


def test_the_team_links_a_candidate_from_the_report_page(versions, team):
    report = report_create(reporter=UserFactory(), model_name="iris", title="odd on the cellar page",
                           context={"surface": "cellar-page"})
    member = _signed_in(member_of(team))

    page = member.get(f"/reports/{report.pk}/").content.decode()
    assert "Link the logged prediction" in page and "Link prediction p-1" in page
    response = member.post(f"/reports/{report.pk}/prediction/", {"prediction_id": "p-1"}, follow=True)

    assert "Linked prediction p-1" in response.content.decode()
    report.refresh_from_db()
    assert report.inputs == "logged"


def test_a_triager_sees_the_unsorted_view_and_sorts_from_the_report_page(versions, team):
    report = report_create(reporter=UserFactory(), title="odd somewhere")
    triager = UserFactory()
    triager_set(user=triager, enabled=True, actor=admin_user())
    client = _signed_in(triager)

    listing = client.get("/reports/?view=unsorted").content.decode()
    assert 'id="unsorted-tab"' in listing and f"WTF-{report.pk} odd somewhere" in listing
    assert 'id="unsorted-tab"' not in _signed_in(UserFactory()).get("/reports/").content.decode()
    response = client.post(f"/reports/{report.pk}/model/", {"model": "iris"})

    assert response.status_code == 302 and response["Location"] == "/reports/?view=unsorted"
    report.refresh_from_db()
    assert report.model.name == "iris" and report.incident is not None


def test_the_team_keeps_the_places_on_the_model_page(versions, team):
    member = _signed_in(member_of(team))

    member.post("/models/iris/surfaces/", {"name": "Cellar page", "key": "Cellar-Page"})
    surface = Surface.objects.get()
    member.post("/models/iris/surfaces/", {"action": "update", "surface": surface.pk, "name": "The cellar",
                                          "current_version": versions[1].pk})
    surface.refresh_from_db()
    assert (surface.key, surface.name, surface.current_version) == ("cellar-page", "The cellar", versions[1])
    assert "The cellar" in _signed_in(UserFactory()).get("/reports/new/").content.decode()
    duplicate = member.post("/models/iris/surfaces/", {"name": "Other", "key": "cellar-page"}, follow=True)
    assert "already has a place" in duplicate.content.decode()
    member.post("/models/iris/surfaces/", {"action": "remove", "surface": surface.pk})
    assert not Surface.objects.exists()
