"""In a real browser, a report stuffed with XSS payloads in every field runs none of them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.incidents.services import incident_transition
from apps.registry.services import model_version_register
from tests.accounts.factories import UserFactory
from tests.core.xss import XSS_PAYLOADS
from tests.registry.factories import iris_frame, iris_row, trained_version
from tests.reports.factories import file_report

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EVERYTHING = "\n\n".join(XSS_PAYLOADS)


def test_payloads_in_every_field_fire_no_dialog(page, login):
    reporter = UserFactory(username="<img src=x onerror=alert(1)>")
    reference, _ = iris_frame()
    version = model_version_register(
        model_name="shop-ranker", version="1.0", artifact_uri=trained_version().artifact_uri, reference=reference,
        display_name="<svg onload=alert(1)>", description=EVERYTHING,
    )
    report = file_report(
        reporter=reporter, version=version, title='"><script>alert(1)</script>', description=EVERYTHING,
        expected=EVERYTHING, output=EVERYTHING, context={payload: payload for payload in XSS_PAYLOADS},
        features=iris_row(0) | {payload[:200]: payload for payload in XSS_PAYLOADS}, allow_schema_mismatch=True,
    )
    incident_transition(incident_id=report.incident_id, to="declined", note=EVERYTHING, actor=reporter)

    dialogs: list[str] = []

    def record(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    login(reporter)

    for path in (f"/reports/{report.pk}/", f"/incidents/{report.incident_id}/"):
        page.goto(path, wait_until="load")
        expect(page.get_by_role("heading", level=1)).to_contain_text('"><script>alert(1)</script>')
        page.wait_for_timeout(300)  # give a late onerror/onload/ontoggle a chance to fire
        assert dialogs == [], path
        assert page.locator("[onerror], [onload], [onfocus], [ontoggle]").count() == 0, path
        assert page.locator("main iframe, main svg, main object, main embed").count() == 0, path

    # The text of the explanation is shown to the reader as text.
    page.goto(f"/reports/{report.pk}/")
    expect(page.locator("section.notice .prose")).to_contain_text("<script>alert(1)</script>")

    # The listener does notice a dialog, so the silence above means something.
    page.evaluate("() => alert('probe')")
    assert dialogs == ["probe"]
