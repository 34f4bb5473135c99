"""In a real browser: a person who only has a prediction id from a screenshot looks it up on
the form and files the report; a person creates an API key, sees it once, and revokes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.models import ApiToken
from apps.predictions.services import predictions_log
from apps.reports.models import Report
from tests.accounts.factories import UserFactory
from tests.registry.factories import iris_row, trained_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_prediction_id_from_a_screenshot_is_looked_up_before_filing(page, login):
    trained_version()
    predictions_log(rows=[{"prediction_id": "shop-123", "model": "iris", "model_version": "1.0",
                           "features": iris_row(60), "output": "setosa"}])
    login(UserFactory())

    page.goto("/reports/new/")
    page.get_by_label("The id").fill("shop-nope")
    page.get_by_role("button", name="Look it up").click()
    expect(page.locator("#prediction-preview")).to_contain_text("No logged prediction has this id")

    # Enter in the id field looks it up; it does not send the form.
    page.get_by_label("The id").fill("shop-123")
    page.get_by_label("The id").press("Enter")
    preview = page.locator("#prediction-preview")
    expect(preview).to_contain_text("Found shop-123")
    expect(preview).to_contain_text("The model answered setosa")
    expect(page).to_have_url(re.compile(r"/reports/new/$"))
    assert Report.objects.count() == 0

    page.get_by_label("What looked wrong?").fill("Shop shows the wrong flower")
    page.get_by_role("button", name="Send the report").click()

    expect(page).to_have_url(re.compile(r"/reports/\d+/$"))
    expect(page.locator("#logged-output")).to_have_text("setosa")
    assert Report.objects.get().features == iris_row(60)


def test_a_key_is_shown_once_and_revoked_from_the_tokens_page(page, login, live_server):
    user = UserFactory()
    login(user)

    page.get_by_role("navigation", name="Main").locator("#person-menu > summary").click()  # the person's menu
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tokens").click()
    page.get_by_label("Name").fill("ci-script")
    page.get_by_label("Intake only: file reports, log predictions, send feedback").check()
    page.get_by_role("button", name="Create key").click()

    key = page.locator("#new-key").inner_text()
    assert key.startswith("mli_")
    token = ApiToken.objects.get(user=user)
    assert token.scopes_label == "intake only"
    row = page.locator(f'tr[data-token-id="{token.pk}"]')
    expect(row).to_contain_text("intake only")

    page.goto("/account/tokens/")
    expect(page.locator("#new-key")).to_have_count(0)  # shown once only
    page.locator(f'tr[data-token-id="{token.pk}"]').get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status")).to_contain_text("is revoked")
    token.refresh_from_db()
    assert token.revoked_at is not None
