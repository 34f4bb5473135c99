"""What a person sees in a real browser: filing a WTF report through the form, replaying it,
friendly form errors, the culprit feature of the demo's unit-change report, and a form that
works with the keyboard alone."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from apps.reports.models import Report
from tests.accounts.factories import UserFactory
from tests.e2e.demo_copy import seed_demo_once
from tests.registry.factories import iris_label, iris_row, trained_version
from tests.reports.factories import file_report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_advanced(page, version) -> None:
    """An ML engineer's way in: the raw inputs and the model, under Advanced."""
    page.get_by_text("Advanced (for ML engineers)").click()
    page.get_by_label("Model", exact=True).select_option(label=str(version.model))


def test_report_form_journey(page, login):
    version = trained_version()
    user = UserFactory()  # a plain, non-staff user who knows nothing about ML
    login(user)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Report a WTF").click()
    expect(page).to_have_url(re.compile(r"/reports/new/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Report something")

    open_advanced(page, version)
    page.get_by_label("Input features (JSON)").fill(json.dumps(iris_row(0)))
    page.get_by_label("What the model answered").fill(iris_label(0))
    page.get_by_label("What looked wrong?").fill("Flower classified oddly")
    page.get_by_label("What did you expect instead?").fill("The same species as the field guide")
    page.get_by_role("button", name="Send the report").click()

    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    report_id = re.search(r"/reports/(\d+)/$", page.url).group(1)
    expect(page.get_by_role("status")).to_contain_text(f"Thank you — your report WTF-{report_id} is filed")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"WTF-{report_id} Flower classified oddly")
    expect(page.locator("#logged-output")).to_have_text(iris_label(0))

    page.locator("#replay-button").click()

    replay = page.locator("div.replay").first
    expect(replay.locator(".verdict.ok")).to_have_text("✓ matches the logged output")
    expect(replay.locator("code.replayed-output")).to_have_text(iris_label(0))
    expect(replay.locator(".verdict.bad")).to_have_count(0)


def test_report_form_friendly_errors(page, login):
    version = trained_version()
    login(UserFactory())

    page.goto("/reports/new/")
    open_advanced(page, version)
    features = page.get_by_label("Input features (JSON)")
    features.fill('{"sepal_length": 5.1, sepal_width: 3.5')  # a missing quote and brace
    page.get_by_label("What the model answered").fill("setosa")
    page.get_by_label("What looked wrong?").fill("Broken paste")
    page.get_by_role("button", name="Send the report").click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("One thing to fix")
    expect(summary.get_by_role("link", name="Input features (JSON)")).to_have_attribute("href", "#id_features")
    expect(summary).to_be_focused()  # so a screen reader announces it straight away
    # The message sits with the field it is about, and the typed text is kept.
    field_block = page.locator("form div").filter(has=page.locator("#id_features"))
    expect(field_block).to_contain_text("not valid JSON")
    expect(features).to_have_attribute("aria-invalid", "true")
    expect(features).to_have_accessible_description(re.compile("not valid JSON"))
    expect(features).to_have_value('{"sepal_length": 5.1, sepal_width: 3.5')
    expect(page.get_by_label("What looked wrong?")).to_have_value("Broken paste")
    # Said once: next to its field, not again in the summary.
    expect(page.get_by_text("not valid JSON")).to_have_count(1)

    assert Report.objects.count() == 0


def test_replay_shows_mismatch(page, login):
    version = trained_version()
    user = UserFactory()
    assert iris_label(0) == "setosa"
    report = file_report(reporter=user, version=version, index=0, output="virginica", title="Wrong species")
    login(user)

    page.goto(f"/reports/{report.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"WTF-{report.pk} Wrong species")
    expect(page.get_by_text("Not replayed yet.")).to_be_visible()

    page.locator("#replay-button").click()

    replay = page.locator("div.replay").first
    expect(replay.locator(".verdict.bad")).to_contain_text("differs from the logged output")
    expect(replay.locator(".verdict.bad")).to_contain_text("virginica")
    expect(replay.locator("code.replayed-output")).to_have_text("setosa")
    expect(replay.locator(".verdict.ok")).to_have_count(0)


def test_demo_unit_change_culprit_first(page, login):
    from apps.demo.services import DEMO_PASSWORD, DEMO_USERNAME

    seed_demo_once()
    report = Report.objects.get(title="Every wine on the cellar page is suddenly the same cultivar")
    login(DEMO_USERNAME, DEMO_PASSWORD)

    page.goto(f"/reports/{report.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("suddenly the same cultivar")
    first_row = page.locator("table.checks tbody tr").first
    expect(first_row.locator("th code")).to_have_text("proline")
    expect(first_row).to_contain_text("another unit")
    # Computed after intake: the same feature drove the output.
    expect(page.locator("#attribution-linear tbody tr").first.locator("th code")).to_have_text("proline")


def _tab_to(page, element_id: str, *, max_presses: int = 40, key: str = "Tab") -> None:
    """Presses Tab until the element with this id has focus (fails if it never does)."""
    for _ in range(max_presses):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press(key)
    raise AssertionError(f"#{element_id} never received focus after {max_presses} presses of {key}")


def test_report_form_keyboard_only(page, login):
    version = trained_version()
    login(UserFactory())
    page.goto("/reports/new/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Report something")

    _tab_to(page, "id_title")
    page.keyboard.type("Typed without a mouse")
    _tab_to(page, "id_expected")
    page.keyboard.type("Nothing, just checking the keyboard")
    _tab_to(page, "advanced-summary")
    page.keyboard.press("Enter")  # opens Advanced (for ML engineers)
    select = page.locator("#id_model")
    _tab_to(page, "id_model")
    # On a closed <select>, the arrow keys change the choice without opening the popup.
    # There is a single model, so the option after "Choose…" is the one we want.
    page.keyboard.press("ArrowDown")
    expect(select).to_have_value(version.model.name)
    _tab_to(page, "id_features")
    page.keyboard.type(json.dumps(iris_row(50)))
    _tab_to(page, "id_output")
    page.keyboard.type(iris_label(50))

    submit = page.get_by_role("button", name="Send the report")
    for _ in range(10):  # past the remaining fields to the submit button
        if submit.evaluate("button => button === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(submit).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    report = Report.objects.get()
    expect(page.get_by_role("status")).to_contain_text(f"your report WTF-{report.pk} is filed")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"WTF-{report.pk} Typed without a mouse")
    assert report.features == iris_row(50)
    assert report.output == iris_label(50)
    assert report.model_version == version


def test_a_screenshot_filed_with_the_form_shows_on_the_report_page(page, login, tmp_path):
    from tests.reports.factories import image_bytes

    version = trained_version()
    login(UserFactory())
    screenshot = tmp_path / "cellar page.png"
    screenshot.write_bytes(image_bytes("PNG", size=(120, 80)))

    page.goto("/reports/new/")
    open_advanced(page, version)
    page.get_by_label("Input features (JSON)").fill(json.dumps(iris_row(0)))
    page.get_by_label("What the model answered").fill(iris_label(0))
    page.get_by_label("What looked wrong?").fill("Same cultivar everywhere")
    page.get_by_label("Screenshot").set_input_files(str(screenshot))
    expect(page.locator("#screenshot-preview")).to_be_visible()
    page.get_by_role("button", name="Send the report").click()

    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    report = Report.objects.get()
    attachment = report.attachments.get()
    thumbnail = page.get_by_role("img", name="Screenshot: cellar_page.png")
    expect(thumbnail).to_have_attribute("src", f"/reports/{report.pk}/attachments/{attachment.pk}/")
    # The browser really fetched and decoded it through the download view.
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("img => img.naturalWidth") == 120
