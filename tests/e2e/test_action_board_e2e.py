"""A team member moves a ticket across the action-item board with the keyboard and sees an
overdue ticket flagged — in words, not by colour alone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.actions.models import TicketStatus
from tests.actions.factories import accepted_ticket, make_overdue, ticket_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_member_moves_a_ticket_across_the_board_and_sees_the_overdue_one_flagged(page, login):
    world = ticket_world()
    ticket = world.item
    late = make_overdue(accepted_ticket(world, title="Backfill the unit check"), days=4)
    login(world.member)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Action items").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Action items")
    open_column = page.locator("#column-open")
    expect(open_column.get_by_role("heading", level=2)).to_have_text(re.compile(r"Open\s*2"))
    late_card = page.locator(f"#ai-{late.pk}")
    expect(late_card).to_have_class(re.compile(r"\boverdue\b"))
    expect(late_card.locator(".flag-overdue")).to_have_text("⚠ Overdue by 4 days")
    expect(page.locator(f"#ai-{ticket.pk} .flag-overdue")).to_have_count(0)

    # Keyboard only: focus the ticket's "Start" button and press Enter.
    start = open_column.get_by_role("button", name=f"Start AI-{ticket.pk}")
    start.focus()
    expect(start).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/actions/#ai-{ticket.pk}$"))
    expect(page.get_by_role("status")).to_contain_text(f"AI-{ticket.pk}")
    expect(page.get_by_role("status")).to_contain_text("is now in progress")
    in_progress = page.locator("#column-in_progress")
    expect(in_progress.locator(f"#ai-{ticket.pk}")).to_be_visible()
    expect(open_column.locator(f"#ai-{ticket.pk}")).to_have_count(0)

    in_progress.get_by_role("button", name=f"Done AI-{ticket.pk}").click()
    expect(page.locator("#column-done").locator(f"#ai-{ticket.pk}")).to_be_visible()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.DONE

    # Narrowed to what is overdue, only the late ticket is left, still flagged.
    page.get_by_label("Due", exact=True).select_option("overdue")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"due=overdue"))
    expect(page.locator("article.ticket")).to_have_count(1)
    expect(page.locator(f"#ai-{late.pk}")).to_contain_text("Overdue by 4 days")
