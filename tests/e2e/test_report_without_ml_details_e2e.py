"""In a real browser: a person in no team reports what they saw — a pasted screenshot, the
place, no id — in four clicks from the home page; the model's team then links the logged
prediction from the candidates and sees the forensics appear."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.predictions.services import predictions_log
from apps.registry.models import Surface
from apps.reports.models import Report
from apps.reports.services import report_create
from tests.accounts.factories import TeamFactory, UserFactory, member_of
from tests.registry.factories import iris_row, trained_version
from tests.reports.factories import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASTE = """async ([bytes]) => {
  const blob = new Blob([new Uint8Array(bytes)], {type: "image/png"});
  await navigator.clipboard.write([new ClipboardItem({"image/png": blob})]);
}"""


def test_a_reporter_in_no_team_files_with_a_pasted_screenshot_and_no_id_in_four_clicks(page, login):
    version = trained_version("iris", team=TeamFactory(slug="flowers"))
    Surface.objects.create(model=version.model, key="cellar-page", name="Cellar page")
    login(UserFactory(username="casey"))  # in no team, knows nothing about ML
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/")
    clicks = 0

    def click(locator) -> None:
        nonlocal clicks
        clicks += 1
        locator.click()

    click(page.get_by_role("navigation", name="Main").get_by_role("link", name="Report a WTF"))
    click(page.get_by_label("What looked wrong?"))
    page.keyboard.type("The cellar page suggests a handbag")
    clicks += 1  # choosing from a drop-down is one click for a person
    page.get_by_label("Where did you see it?").select_option(label="Cellar page")
    # Pasted twice (Ctrl+V): the report keeps one screenshot, and the page shows which.
    page.evaluate(PASTE, [list(image_bytes("PNG", size=(40, 30)))])
    page.keyboard.press("ControlOrMeta+v")
    expect(page.locator("#screenshot-preview")).to_be_visible()
    page.evaluate(PASTE, [list(image_bytes("PNG", size=(64, 48)))])
    page.keyboard.press("ControlOrMeta+v")
    expect(page.locator("#screenshot-image")).to_have_count(1)
    expect(page.locator("#screenshot-image")).to_have_js_property("naturalWidth", 64)
    click(page.get_by_role("button", name="Send the report"))

    assert clicks <= 4
    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    report = Report.objects.get()
    expect(page.get_by_role("status")).to_contain_text(f"your report WTF-{report.pk} is filed")
    assert report.inputs == "missing" and report.model == version.model and report.incident is not None
    assert report.context == {"surface": "cellar-page"}
    attachment = report.attachments.get()
    assert attachment.content_type == "image/png"
    thumbnail = page.locator("img.thumbnail")
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("img => img.naturalWidth") == 64
    expect(page.locator("#inputs-pending")).to_contain_text("looks for the prediction you saw")


def test_a_team_member_links_the_logged_prediction_and_sees_forensics_appear(page, login):
    team = TeamFactory(slug="flowers")
    trained_version("iris", team=team)
    seen = timezone.now() - timedelta(hours=1)
    predictions_log(rows=[
        {"prediction_id": f"p-{n}", "model": "iris", "model_version": "1.0", "features": iris_row(n),
         "output": "setosa", "timestamp": (seen - timedelta(minutes=20 + n)).isoformat(),
         "context": {"surface": "cellar-page"}} for n in range(3)
    ] + [{"prediction_id": "the-one", "model": "iris", "model_version": "1.0", "features": iris_row(120),
          "output": "virginica", "timestamp": (seen + timedelta(minutes=1)).isoformat(),
          "context": {"surface": "cellar-page", "request_id": "req-42"}}])
    report = report_create(reporter=UserFactory(), model_name="iris", title="It says virginica on the cellar page",
                           context={"surface": "cellar-page", "request_id": "req-42"}, seen_at=seen)
    login(member_of(team))

    page.goto(f"/reports/{report.pk}/")
    candidates = page.locator("#candidates")
    expect(candidates.get_by_role("heading")).to_have_text("Link the logged prediction")
    first = candidates.locator("table tbody tr").first
    expect(first).to_contain_text("the-one")
    expect(first).to_contain_text("same request id req-42")
    expect(page.locator("#forensics")).to_have_count(0)

    first.get_by_role("button", name="Link prediction the-one").click()

    expect(page.get_by_role("status")).to_contain_text("Linked prediction the-one")
    expect(page.locator("#candidates")).to_have_count(0)
    expect(page.locator("#inputs-source")).to_have_text("From the inference log")
    expect(page.locator("#forensics")).to_be_visible()
    expect(page.locator("table.checks tbody tr").first).to_be_visible()
    report.refresh_from_db()
    assert report.inputs == "logged" and report.prediction_id == "the-one"
