"""A drift report started and read with the keyboard alone: from a model's drift page, Tab to
the version, the window and the button, Enter, then Tab to the per-feature table. Every stop
on the way is on screen with a visible focus outline, and Tab leads out again (no trap)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.forensics.models import DriftReport
from tests.accounts.factories import TeamFactory, member_of
from tests.forensics.factories import log_wine, wine_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const element = document.activeElement;
  if (!element || element === document.body) return null;
  const style = getComputedStyle(element);
  return {id: element.id, tag: element.tagName, text: (element.innerText || "").trim().slice(0, 60),
          outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth), outlineColor: style.outlineColor};
}"""


def _tab_to(page, target_id: str, *, max_presses: int = 40, key: str = "Tab") -> list[dict]:
    """Presses Tab until the element with this id has focus; on the way, every focused element
    must be in the viewport and drawn with an outline. Returns the stops, for the message."""
    stops: list[dict] = []
    for _ in range(max_presses):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        if focused is None:  # between the last element and the browser's own controls
            continue
        stops.append(focused)
        where = f"{focused['tag']}#{focused['id']} {focused['text']!r}"
        expect(page.locator(":focus"), f"{where} is off screen").to_be_in_viewport()
        assert focused["outline"] not in ("none", "hidden") and focused["outlineWidth"] >= 2, \
            f"{where} shows no focus outline: {focused}"
        assert focused["outlineColor"] not in ("transparent", "rgba(0, 0, 0, 0)"), f"{where}: invisible outline"
        if focused["id"] == target_id:
            return stops
    raise AssertionError(f"#{target_id} never received focus after {max_presses} presses of {key}: {stops}")


def test_drift_report_by_keyboard_alone(page, login):
    team = TeamFactory()
    logged = wine_version(team=team)
    wine_version(version="2.0", team=team)  # listed first: the keyboard has to choose 1.0
    log_wine(logged, count=300, start=timezone.now() - timedelta(hours=5, minutes=10), scale={"proline": 1.5}, seed=5)
    login(member_of(team))
    page.goto(f"/forensics/models/{logged.model.name}/drift/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Drift of")

    _tab_to(page, "id_model_version")
    version = page.get_by_label("Version")
    for _ in range(3):  # a closed <select> changes its choice with the arrow keys, without a popup
        if version.input_value() == str(logged.pk):
            break
        page.keyboard.press("ArrowDown")
    expect(version).to_have_value(str(logged.pk))
    _tab_to(page, "id_hours")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("6")
    expect(page.get_by_label("Window: the last … hours")).to_have_value("6")
    _tab_to(page, "drift-run-button")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/forensics/drift/\d+/$"))
    expect(page.get_by_role("status")).to_contain_text("Drift report started")
    stops = _tab_to(page, "per-feature")
    table = page.get_by_role("region", name="Drift per feature")
    expect(table).to_be_focused()
    expect(table.locator('tr[data-feature="proline"]')).to_contain_text("drifted")
    expect(page.locator("#drift-verdict")).to_contain_text("proline")
    drift = DriftReport.objects.get()
    assert (drift.model_version, drift.rows) == (logged, 300)
    assert drift.window_end - drift.window_start == timedelta(hours=6)
    assert [stop["id"] for stop in stops].count("per-feature") == 1

    # Not a trap: Tab leads on (back round to the top of the page), Shift+Tab leads back.
    page.keyboard.press("Shift+Tab")
    expect(table).not_to_be_focused()
    page.keyboard.press("Tab")
    expect(table).to_be_focused()
    page.keyboard.press("Tab")
    expect(table).not_to_be_focused()


def test_a_wide_drift_table_scrolls_with_the_keyboard(page, login):
    team = TeamFactory()
    version = wine_version(team=team)
    log_wine(version, count=200, start=timezone.now() - timedelta(hours=4), seed=6)
    login(member_of(team))
    page.set_viewport_size({"width": 640, "height": 800})  # a phone on its side, a zoomed projector
    page.goto(f"/forensics/models/{version.model.name}/drift/")
    _tab_to(page, "drift-run-button")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/forensics/drift/\d+/$"))

    _tab_to(page, "per-feature")
    table = page.get_by_role("region", name="Drift per feature")
    assert table.evaluate("region => region.scrollWidth > region.clientWidth"), "the table fits: nothing to test"
    for _ in range(10):
        page.keyboard.press("ArrowRight")

    # Keyboard scrolling is animated: on a busy machine the first frames can come late.
    page.wait_for_function("() => document.getElementById('per-feature').scrollLeft > 0", timeout=10_000)
    # The page itself does not scroll sideways: only the table does.
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
