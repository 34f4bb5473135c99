"""Working with tickets on the pages: the owner picked from the owning team (with "Assign to
me"), the due date in words, and the board and "my action items" searched, filtered and
sorted from the URL — in the same number of queries however many tickets match."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.actions.models import ActionItem
from apps.actions.services import action_item_transition, action_item_update
from apps.audit.models import AuditEvent
from apps.core.errors import InvalidInput
from apps.incidents.services import incident_update
from tests.accounts.factories import token_client

from .factories import accepted_ticket, bulk_tickets, make_overdue, ticket_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return ticket_world()


@pytest.fixture
def member(client, world):
    client.force_login(world.member)
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def _owner_options(html: str) -> list[str]:
    select = html.split('name="owner"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([^"]*)"', select)


def _titles(html: str) -> list[str]:
    return [unescape(title) for title in re.findall(
        r'id="ai-\d+-title"><a [^>]*><span class="visually-hidden">AI-\d+ </span>([^<]+)</a>', html)]


# --- The owner: picked from the team, or "Assign to me" -------------------------------------

def test_the_owner_picker_offers_the_team_s_people_not_its_bot_nor_outsiders(world, member, client):
    html = member.get(f"/actions/{world.item.pk}/").content.decode()

    assert _owner_options(html) == ["", "member", "reviewer"]
    assert '<select name="owner"' in html
    assert '<input type="date" name="due_date"' in html
    # Someone who may only look gets no picker, and cannot assign themselves.
    client.force_login(world.outsider)
    html = client.get(f"/actions/{world.item.pk}/").content.decode()
    assert "Assign to me" not in html and 'name="owner"' not in html
    assert client.post(f"/actions/{world.item.pk}/edit/", {"owner": "outsider"}).status_code == 403


def test_assign_to_me_makes_the_person_at_the_keyboard_the_owner_and_is_audited(world, client):
    client.force_login(world.reviewer)
    page = client.get(f"/actions/{world.item.pk}/").content.decode()
    assert ">Assign to me</button>" in page

    response = client.post(f"/actions/{world.item.pk}/edit/", {"owner": "reviewer"}, follow=True)

    world.item.refresh_from_db()
    assert world.item.owner == world.reviewer
    assert f"AI-{world.item.pk} is now owned by reviewer." in response.content.decode()
    event = AuditEvent.objects.filter(action="action_item.update", target_id=str(world.item.pk)).latest("id")
    assert (event.old, event.new) == ({"owner": "member"}, {"owner": "reviewer"})
    # The owner has it already: no button for them.
    assert ">Assign to me</button>" not in client.get(f"/actions/{world.item.pk}/").content.decode()


def test_assign_to_me_with_htmx_answers_the_ticket_to_swap_in_place(world, client):
    client.force_login(world.reviewer)

    response = client.post(f"/actions/{world.item.pk}/edit/", {"owner": "reviewer"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="ticket"' in html and f"AI-{world.item.pk} is now owned by reviewer." in html
    assert re.search(r'<option value="reviewer" selected>', html)


@pytest.mark.parametrize(("who", "why"), [
    ("outsider", "outsider is not a member of Fraud: choose one of the team&#x27;s members."),
    ("intake-bot", "intake-bot is a bot account: a person owns a ticket."),
])
def test_an_owner_the_picker_does_not_offer_is_refused_with_the_reason(world, member, who, why):
    response = member.post(f"/actions/{world.item.pk}/edit/", {"owner": who})

    assert response.status_code == 400
    assert why in response.content.decode()
    world.item.refresh_from_db()
    assert world.item.owner == world.member


def test_the_service_refuses_someone_outside_the_team_only_when_asked_to(world):
    with pytest.raises(InvalidInput) as refusal:
        action_item_update(item_id=world.item.pk, actor=world.member, owner_from_team=True, owner="outsider")
    assert refusal.value.errors == {"owner": ["outsider is not a member of Fraud: choose one of the team's members."]}

    # The API's rule is unchanged: anyone active who may see the incident.
    response = token_client(world.member).patch(f"/api/v1/action-items/{world.item.pk}/", {"owner": "outsider"},
                                                format="json")
    assert response.status_code == 200 and response.json()["owner"] == "outsider"


def test_an_admin_outside_the_team_may_assign_it_to_themselves(world, client):
    client.force_login(world.admin)
    assert "admin" in _owner_options(client.get(f"/actions/{world.item.pk}/").content.decode())

    response = client.post(f"/actions/{world.item.pk}/edit/", {"owner": "admin"})

    assert response.status_code == 302
    world.item.refresh_from_db()
    assert world.item.owner == world.admin


def test_the_due_date_is_set_alone_and_read_in_words(world, member):
    later = timezone.localdate() + timedelta(days=3)

    assert member.post(f"/actions/{world.item.pk}/edit/", {"due_date": later.isoformat()}).status_code == 302

    world.item.refresh_from_db()
    assert (world.item.due_date, world.item.owner, world.item.priority) == (later, world.member, "P2")
    card = member.get("/actions/").content.decode().split(f'id="ai-{world.item.pk}"', 1)[1].split("</article>")[0]
    assert "due in 3 days" in _text(card) and "member" in _text(card)
    late = make_overdue(accepted_ticket(world, title="Late"), days=2)
    card = member.get("/actions/").content.decode().split(f'id="ai-{late.pk}"', 1)[1].split("</article>")[0]
    assert "Overdue by 2 days" in _text(card)


# --- The board and "my action items": search, filters, sort, counts ---------------------------

@pytest.fixture
def several(world):
    """Four tickets besides world.item ("Alert when a feature's unit changes", member's, P2)."""
    nobody = accepted_ticket(world, title="Backfill the unit check", owner=None, priority="P1")
    reviewer = accepted_ticket(world, title="Document the units", owner="reviewer", priority="P3")
    late = make_overdue(accepted_ticket(world, title="Late drift alert", priority="P1"))
    started = accepted_ticket(world, title="Pin the feature schema", priority="P3",
                              due_date=timezone.localdate() + timedelta(days=10))
    action_item_transition(item_id=started.pk, actor=world.member, to="in_progress")
    return {"nobody": nobody, "reviewer": reviewer, "late": late, "started": started}


@pytest.mark.parametrize(("query", "shown"), [
    ("q=unit", ["Alert when a feature's unit changes", "Backfill the unit check", "Document the units"]),
    ("q=UNIT+check", ["Backfill the unit check"]),
    ("q=AI-{late}", ["Late drift alert"]),
    ("q={late}", ["Late drift alert"]),
    ("status=in_progress", ["Pin the feature schema"]),
    ("priority=P1", ["Backfill the unit check", "Late drift alert"]),
    ("owner=me", ["Late drift alert", "Alert when a feature's unit changes", "Pin the feature schema"]),
    ("owner=none", ["Backfill the unit check"]),
    ("owner=reviewer", ["Document the units"]),
    ("due=overdue", ["Late drift alert"]),
    ("due_from={in9}&due_until={in11}", ["Pin the feature schema"]),
    ("owner=me&priority=P1&q=drift", ["Late drift alert"]),
])
def test_the_board_searches_and_filters_from_the_url(world, member, several, query, shown):
    today = timezone.localdate()
    query = query.format(late=several["late"].pk, in9=today + timedelta(days=9), in11=today + timedelta(days=11))

    html = member.get(f"/actions/?{query}").content.decode()

    assert sorted(_titles(html)) == sorted(shown), query
    count = "1 action item matches" if len(shown) == 1 else f"{len(shown)} action items match"
    assert count in _text(html)


def test_the_filters_stay_in_the_form_so_the_view_can_be_shared(world, member, several):
    html = member.get("/actions/?owner=me&priority=P1&sort=priority&q=drift").content.decode()

    assert 'method="get"' in html and 'value="drift"' in html
    assert '<option value="me" selected>Me</option>' in html and '<option value="P1" selected>' in html
    assert "Clear filters" in html


def test_the_board_sorts_by_priority_or_newest(world, member, several):
    by_priority = _titles(member.get("/actions/?status=open&sort=priority").content.decode())
    newest = _titles(member.get("/actions/?status=open&sort=newest").content.decode())

    assert by_priority == ["Late drift alert", "Backfill the unit check", "Alert when a feature's unit changes",
                           "Document the units"]
    assert newest == ["Late drift alert", "Document the units", "Backfill the unit check",
                      "Alert when a feature's unit changes"]


def test_a_bad_filter_value_is_ignored_and_said_not_a_500(world, member, several):
    response = member.get("/actions/?due_from=yesterday&priority=P9")

    assert response.status_code == 200
    assert "5 action items match" in _text(response.content.decode())
    assert "Enter a valid date. (ignored)" in _text(response.content.decode())


def test_my_action_items_search_filter_and_count(world, member, several):
    html = member.get("/actions/mine/?q=alert&priority=P1").content.decode()

    assert "1 action item matches" in _text(html)
    rows = re.findall(r'<tr id="ai-(\d+)"', html)
    assert rows == [str(several["late"].pk)]
    assert 'name="owner"' not in html.split("</form>", 1)[0]  # mine are the owner's by definition


def test_restricted_tickets_stay_out_of_a_search_by_number(world, client, several):
    incident_update(incident_id=world.incident.pk, actor=None, restricted=True)
    client.force_login(world.outsider)

    html = client.get(f"/actions/?q=AI-{several['late'].pk}").content.decode()

    assert _titles(html) == [] and "0 action items match" in _text(html)


# --- A constant number of queries ---------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/actions/?q=Ticket&owner=me&priority=P2&due=overdue&sort=priority&model=fraud-score",
    "/actions/?owner=member&due_from=2000-01-01&sort=newest",
    "/actions/mine/?q=Ticket&status=open&sort=priority",
])
def test_filtered_lists_take_the_same_number_of_queries_for_4_or_120_tickets(world, member, path,
                                                                             django_assert_num_queries):
    ActionItem.objects.all().delete()
    bulk_tickets(world, 4)
    member.get(path)  # warm up: what a first request loads once (sessions, content types)
    with CaptureQueriesContext(connection) as few:
        member.get(path)
    expected = len(few)

    bulk_tickets(world, 116)
    with django_assert_num_queries(expected):
        response = member.get(path)
    assert response.status_code == 200
    assert "action items match" in _text(response.content.decode())
    shown = len(re.findall(r'<article class="ticket|<tr id="ai-', response.content.decode()))
    assert shown >= 15, shown  # the many tickets are on the page, not cut off before it
