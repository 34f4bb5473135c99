"""The ticket pages: the board by status with its filters, moving a ticket with a plain form,
"my action items", one ticket, and an incident's tickets — in a constant number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.actions.models import ActionItem, ActionItemComment, TicketStatus
from apps.actions.services import action_item_transition
from apps.incidents.services import incident_update
from apps.postmortems.services import postmortem_start
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

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
    """What a screen reader reads: the markup dropped."""
    return re.sub(r"<[^>]+>", "", html)


def _column(html: str, status: str) -> str:
    return html.split(f'id="column-{status}"', 1)[1].split("</section>", 1)[0]


def test_the_board_shows_tickets_by_status_and_flags_overdue_ones_in_words(world, member):
    late = make_overdue(accepted_ticket(world, title="Backfill the unit check"), days=3)
    started = accepted_ticket(world, title="Alert on drift")
    action_item_transition(item_id=started.pk, actor=world.member, to="in_progress")

    html = member.get("/actions/").content.decode()

    open_column = _column(html, "open")
    assert f"AI-{world.item.pk} Alert when a feature" in _text(open_column) and "Backfill the unit check" in open_column
    assert "Alert on drift" in _column(html, "in_progress")
    card = html.split(f'id="ai-{late.pk}"', 1)[1].split("</article>", 1)[0]
    assert "Overdue by 3 days" in card
    assert "Overdue" not in html.split(f'id="ai-{world.item.pk}"', 1)[1].split("</article>", 1)[0]
    # Each allowed move is a button in a form (keyboard and no-JavaScript friendly).
    assert f'action="/actions/{world.item.pk}/transition/"' in open_column
    assert f'Start<span class="visually-hidden"> AI-{world.item.pk}</span>' in open_column


@pytest.mark.parametrize(("query", "shown", "hidden"), [
    ("due=overdue", ["Late one"], ["Alert when a feature"]),
    ("owner=reviewer", ["Reviewer owned"], ["Late one"]),
    ("model=fraud-score", ["Late one", "Reviewer owned"], ["Another model ticket"]),
    ("team=fraud", ["Late one"], ["Another model ticket"]),
    ("owner=unknown-person", ["Late one"], []),  # not a choice: ignored, the board shows everything
])
def test_the_board_filters(world, member, query, shown, hidden):
    make_overdue(accepted_ticket(world, title="Late one"))
    accepted_ticket(world, title="Reviewer owned", owner="reviewer")
    # A ticket on a model no team owns, which everyone may see.
    other = file_report(reporter=world.reporter, version=trained_version("other-model")).incident
    postmortem_start(incident_id=other.pk, actor=world.member)
    accepted_ticket(world, title="Another model ticket", incident=other)

    html = member.get(f"/actions/?{query}").content.decode()

    for title in shown:
        assert title in html, (query, title)
    for title in hidden:
        assert title not in html, (query, title)


def test_finished_columns_show_their_latest_five_and_fold_the_rest_behind_show_all(world, member):
    ActionItem.objects.all().delete()
    tickets = bulk_tickets(world, 28)  # seven of each status
    for index, ticket in enumerate(t for t in tickets if t.status == TicketStatus.DONE):
        ActionItem.objects.filter(pk=ticket.pk).update(updated_at=timezone.now() - timedelta(days=index))

    html = member.get("/actions/").content.decode()

    done = _column(html, "done")
    shown, folded = done.split('id="column-done-more"')
    assert shown.count('<article class="ticket') == 5 and folded.count('<article class="ticket') == 2
    assert "<summary>Show all 7 done</summary>" in folded
    assert shown.index("Ticket 2<") < shown.index("Ticket 6<")  # the latest finished first
    assert "<summary>Show all 7 won&#x27;t do</summary>" in _column(html, "wont_do")
    assert "column-open-more" not in html  # work still to do is never folded
    # Asked for the done tickets only, the column shows them all at once.
    only_done = _column(member.get("/actions/?status=done").content.decode(), "done")
    assert only_done.count('<article class="ticket') == 7 and "Show all" not in only_done


def test_moving_a_ticket_with_the_form_returns_to_the_board(world, member):
    response = member.post(f"/actions/{world.item.pk}/transition/",
                           {"to": "in_progress", "next": "/actions/?owner=member"})

    assert response.status_code == 302 and response["Location"] == f"/actions/?owner=member#ai-{world.item.pk}"
    world.item.refresh_from_db()
    assert world.item.status == TicketStatus.IN_PROGRESS
    followed = member.get(response["Location"]).content.decode()
    assert "is now in progress" in followed and f"AI-{world.item.pk}" in _column(followed, "in_progress")


def test_an_illegal_move_from_a_stale_board_is_explained_not_made(world, member):
    action_item_transition(item_id=world.item.pk, actor=world.member, to="done")

    response = member.post(f"/actions/{world.item.pk}/transition/", {"to": "in_progress", "next": "/actions/"},
                           follow=True)

    assert "was not moved" in response.content.decode() and "Allowed from &#x27;done&#x27;: open" in \
        response.content.decode()
    world.item.refresh_from_db()
    assert world.item.status == TicketStatus.DONE


def test_wont_do_from_the_board_asks_for_the_reason(world, member):
    member.post(f"/actions/{world.item.pk}/transition/", {"to": "wont_do", "next": "/actions/"})
    world.item.refresh_from_db()
    assert world.item.status == TicketStatus.OPEN

    member.post(f"/actions/{world.item.pk}/transition/",
                {"to": "wont_do", "reason": "Replaced by the schema registry.", "next": "/actions/"})
    world.item.refresh_from_db()
    assert (world.item.status, world.item.wont_do_reason) == (TicketStatus.WONT_DO, "Replaced by the schema registry.")


def test_the_return_address_stays_on_this_site(world, member):
    response = member.post(f"/actions/{world.item.pk}/transition/", {"to": "in_progress",
                                                                       "next": "https://evil.example/phish"})

    assert response["Location"] == f"/actions/{world.item.pk}/#ai-{world.item.pk}"


def test_outsiders_see_the_board_without_move_buttons_and_cannot_move(world, client):
    client.force_login(world.outsider)
    html = client.get("/actions/").content.decode()

    assert f"AI-{world.item.pk}" in html and "/transition/" not in html
    assert client.post(f"/actions/{world.item.pk}/transition/", {"to": "done"}).status_code == 403


def test_my_action_items_lists_mine_unfinished_first(world, member):
    done = accepted_ticket(world, title="Already done")
    action_item_transition(item_id=done.pk, actor=world.member, to="done")
    late = make_overdue(accepted_ticket(world, title="Late and mine"))
    accepted_ticket(world, title="Someone else's", owner="reviewer")

    html = member.get("/actions/mine/").content.decode()

    assert html.index("Late and mine") < html.index("Alert when a feature") < html.index("Already done")
    assert "Someone else" not in html and "1 overdue" in html
    row = html.split(f'id="ai-{late.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Overdue by 3 days" in row


def test_the_ticket_page_edits_and_comments(world, member):
    later = timezone.localdate() + timedelta(days=5)
    response = member.post(f"/actions/{world.item.pk}/edit/", {
        "owner": "reviewer", "due_date": later.isoformat(), "priority": "P1",
        "external_url": "https://github.com/acme/fraud/issues/3"})
    assert response.status_code == 302
    world.item.refresh_from_db()
    assert (world.item.owner, world.item.due_date, world.item.priority) == (world.reviewer, later, "P1")

    member.post(f"/actions/{world.item.pk}/comments/", {"body": "Pairing with **Bo** on it."})
    html = member.get(f"/actions/{world.item.pk}/").content.decode()
    assert "<strong>Bo</strong>" in html and ActionItemComment.objects.count() == 1
    assert 'href="https://github.com/acme/fraud/issues/3"' in html


def test_bad_edits_come_back_with_the_reason_next_to_the_field(world, member):
    response = member.post(f"/actions/{world.item.pk}/edit/", {
        "owner": "ghost", "due_date": "2001-01-01", "priority": "P2", "external_url": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert "no active user" in html or "Unknown user" in html
    world.item.refresh_from_db()
    assert world.item.owner == world.member


def test_the_incident_page_shows_its_tickets_and_progress(world, member):
    second = make_overdue(accepted_ticket(world, title="Document units"))
    action_item_transition(item_id=world.item.pk, actor=world.member, to="done")

    html = member.get(f"/incidents/{world.incident.pk}/").content.decode()

    section = html.split('id="tickets"', 1)[1].split("</section>", 1)[0]
    assert "1 of 2 done or won't do (50%)" in section and '<progress max="2" value="1"' in section
    assert f"AI-{second.pk} Document units" in section and "1 overdue" in section
    assert "The incident can be closed once every ticket is done or won't do (1 still open)" in section


def test_a_restricted_incident_s_ticket_page_is_not_found_by_outsiders(world, client):
    incident_update(incident_id=world.incident.pk, actor=None, restricted=True)
    client.force_login(world.outsider)

    assert client.get(f"/actions/{world.item.pk}/").status_code == 404
    assert f"AI-{world.item.pk}" not in client.get("/actions/").content.decode()


# --- A constant number of queries, whatever the number of tickets ------------------------------

def _count_queries(client, path: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return len(queries), response.content.decode()


@pytest.mark.parametrize("path", ["/actions/", "/actions/?due=overdue&owner=member", "/actions/mine/",
                                  "/api/v1/action-items/", "/api/v1/action-items/?overdue=true",
                                  "/incidents/{incident}/"])
def test_pages_and_lists_issue_the_same_queries_for_5_or_200_tickets(world, member, path,
                                                                       django_assert_max_num_queries):
    path = path.format(incident=world.incident.pk)
    ActionItem.objects.all().delete()
    bulk_tickets(world, 5)
    member.get(path)  # warm up: what a first request loads once (sessions, content types)
    few, _ = _count_queries(member, path)

    bulk_tickets(world, 195)
    with django_assert_max_num_queries(few):
        response = member.get(path)

    body = response.content.decode()
    if path == "/actions/":
        assert len(re.findall(r'<article class="ticket', body)) == 200
        assert len(re.findall(r"Overdue by", body)) > 30
    if path == "/actions/mine/":
        assert body.count('<tr id="ai-') == 200


def test_the_ticket_pages_name_the_model_as_people_know_it(world, member):
    model = world.incident.model
    model.display_name = "Cellar picks"
    model.save(update_fields=["display_name"])

    html = member.get(f"/actions/{world.item.pk}/").content.decode()

    assert f'<dt>Model</dt><dd><a href="/models/{model.name}/">Cellar picks</a>' in html
    card = member.get("/actions/").content.decode().split(f'id="ai-{world.item.pk}"', 1)[1].split("</article>", 1)[0]
    assert "· Cellar picks" in card and model.name not in _text(card)


def test_a_finished_ticket_says_when_it_was_done_and_whether_on_time(world, member):
    today = timezone.localdate()
    late = accepted_ticket(world, title="Backfill the unit check")
    early = accepted_ticket(world, title="Alert on drift")
    for ticket, due, done_days_ago in ((late, today - timedelta(days=10), 3), (early, today + timedelta(days=5), 1)):
        ActionItem.objects.filter(pk=ticket.pk).update(due_date=due)
        action_item_transition(item_id=ticket.pk, actor=world.member, to="done")
        ActionItem.objects.filter(pk=ticket.pk).update(finished_at=timezone.now() - timedelta(days=done_days_ago))

    done = _text(_column(member.get("/actions/").content.decode(), "done"))

    assert "done 3 days ago · 7 days late" in done
    assert "done 1 day ago · on time" in done
    assert "was due" not in done
