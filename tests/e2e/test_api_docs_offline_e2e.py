"""The API docs work with no internet: Swagger UI is served by the app itself."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_list_the_operations_with_everything_outside_the_app_blocked(page, live_server):
    blocked: list[str] = []

    def only_the_app(route):
        if route.request.url.startswith(live_server.url + "/"):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.context.route("**/*", only_the_app)
    page.goto("/api/docs/")

    transition = page.locator(".opblock").filter(has_text="/api/v1/incidents/{id}/transition/")
    expect(transition).to_have_count(1)
    expect(transition).to_contain_text("POST")
    assert page.locator(".opblock").count() > 30
    assert blocked == []
