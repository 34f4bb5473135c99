"""A reviewer takes a ticket with "Assign to me", sets its due date with the date picker, and
finds it on the board filtered to their own tickets — through the pages only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.actions.models import ActionItem
from tests.actions.factories import accepted_ticket, ticket_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_assign_to_me_set_the_due_date_and_find_it_on_the_board_filtered_to_me(page, login):
    world = ticket_world()
    ticket = world.item  # owned by world.member
    accepted_ticket(world, title="Someone else's ticket")
    login(world.reviewer)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Action items").click()
    page.get_by_role("link", name=f"AI-{ticket.pk} {ticket.title}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(ticket.title)
    owner = page.get_by_label("Owner")
    expect(owner).to_have_value("member")
    expect(owner.locator("option")).to_have_text(["Nobody yet", "member", "reviewer"])

    page.get_by_role("button", name="Assign to me").click()

    expect(page.get_by_role("status")).to_have_text(f"AI-{ticket.pk} is now owned by reviewer.")
    expect(page.get_by_label("Owner")).to_have_value("reviewer")
    expect(page.get_by_role("button", name="Assign to me")).to_have_count(0)

    due = timezone.localdate() + timedelta(days=3)
    picker = page.get_by_label("Due date")
    expect(picker).to_have_attribute("type", "date")
    picker.fill(due.isoformat())
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_have_text(f"AI-{ticket.pk} is saved.")
    expect(page.locator(".ticket-status")).to_contain_text("due in 3 days")

    page.get_by_role("link", name="Action items").first.click()
    page.get_by_label("Owner").select_option(label="Me")
    page.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(r"owner=me"))
    expect(page.get_by_text("1 action item matches")).to_be_visible()
    card = page.locator(f"#ai-{ticket.pk}")
    expect(card).to_contain_text("reviewer")
    expect(card).to_contain_text("due in 3 days")
    expect(page.locator("article.ticket")).to_have_count(1)
    ticket = ActionItem.objects.get(pk=ticket.pk)
    assert (ticket.owner, ticket.due_date) == (world.reviewer, due)
