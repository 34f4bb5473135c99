"""Every main page passes axe-core (pinned in assets/package.json, vendored in
tests/e2e/vendor/axe-core by scripts/vendor-assets) with no serious or critical violation: what
a screen-reader or keyboard user would hit first — unlabelled controls, unreadable contrast,
unnamed landmarks, scrollable regions the keyboard cannot reach, duplicate ids. The phone pass
also checks that no page scrolls sideways at phone width (test_layout_e2e.py checks the
projector), so the pages are loaded at 390 px once for both checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.demo.services import DEMO_PASSWORD, DEMO_USERNAME
from tests.e2e.conftest import demo_main_pages, sideways_overflow, submit_sign_in
from tests.e2e.demo_copy import seed_demo_once

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
# Markup the app does not write, left out of the check: Swagger UI (drf-spectacular-sidecar)
# renders its own operation blocks and controls. Everything around it is ours and is checked.
THIRD_PARTY = {"/api/docs/": ["#swagger-ui"]}


def _violations(page, url: str) -> list[dict]:
    """axe's serious and critical violations on the page as loaded."""
    page.add_script_tag(path=str(AXE))
    context = {"exclude": [[selector] for selector in THIRD_PARTY.get(url, [])]}
    result = page.evaluate(
        """async (context) => {
            const results = await axe.run(context.exclude.length ? context : document,
                                          {resultTypes: ["violations"]});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(node => node.target.join(" ")),
            }));
        }""",
        context,
    )
    return [violation for violation in result if violation["impact"] in BLOCKING]


PHONE_WIDTH = 390


@pytest.mark.parametrize("width, height", [(1440, 900), (PHONE_WIDTH, 844)], ids=["laptop", "phone"])
def test_no_main_page_has_a_serious_or_critical_accessibility_violation(browser, live_server, width, height):
    """At phone width, also: no page scrolls sideways."""
    seed_demo_once()
    context = browser.new_context(base_url=live_server.url, viewport={"width": width, "height": height},
                                  locale="en-US")
    page = context.new_page()
    too_wide: list[str] = []
    try:
        found = _check_every_page(page, every_section=width > 1000,
                                  too_wide=too_wide if width == PHONE_WIDTH else None)
    finally:
        context.close()
    assert not found and not too_wide, "\n".join(
        (["axe found:", *found] if found else []) + (["Scrolls sideways:", *too_wide] if too_wide else []))


def _check_every_page(page, *, every_section: bool, too_wide: list[str] | None = None) -> list[str]:
    """axe's findings on every main page; with `too_wide`, each page wider than the viewport is
    added to it too (measured before axe's script is added)."""
    found = []
    page.goto("/accounts/login/")
    found += [f"sign-in: {v['impact']} {v['id']}: {v['targets']}" for v in _violations(page, "/accounts/login/")]
    submit_sign_in(page, DEMO_USERNAME, DEMO_PASSWORD)  # on a phone the navigation stays folded
    for label, url in demo_main_pages(every_section=every_section).items():
        response = page.goto(url)
        assert response.status < 400, f"{label} ({url}) answered {response.status}"
        page.wait_for_load_state("networkidle")
        if too_wide is not None and (extra := sideways_overflow(page)) > 0:
            too_wide.append(f"{label} at phone width: {extra} px too wide ({url})")
        for violation in _violations(page, url):
            targets = ", ".join(violation["targets"][:8])
            found.append(f"{label} ({url}): {violation['impact']} {violation['id']} — {violation['help']}: {targets}")
    return found
