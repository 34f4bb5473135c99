"""Reads of action items, scoped like their incidents: whoever may see an incident sees its
action items; the team that owns the model (and the people a restricted incident names) may
change them, and so may a ticket's owner."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from apps.accounts.access import require_review_on_model, user_access
from apps.accounts.models import Team
from apps.accounts.selectors import team_people
from apps.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from apps.core.listing import reference_number
from apps.incidents.models import Incident, IncidentStatus
from apps.incidents.selectors import ReaderLookups, incident_can_work, incident_visibility, incidents_naming
from apps.registry.models import Model

from .models import (
    FINISHED_STATUSES,
    TICKET_TRANSITIONS,
    UNFINISHED_STATUSES,
    ActionItem,
    ActionItemComment,
    ReviewState,
    TicketStatus,
    TrackerExport,
    WebhookDelivery,
)

# A board column shows this many tickets; the heading says how many there are in all.
BOARD_COLUMN_LIMIT = 100
# Finished work only grows: the Done and Won't do columns show their latest few, the rest folded.
BOARD_FINISHED_SHOWN = 5
DUE_OVERDUE, DUE_SOON = "overdue", "soon"
# How a list may be ordered (the query string's `sort`): value → label.
SORTS = {"due": "Due date (soonest first)", "priority": "Priority (P1 first)", "newest": "Newest first"}


def _visible_incidents(user, lookups: ReaderLookups | None = None) -> QuerySet[Incident] | None:
    visible = incident_visibility(user, lookups)
    return None if visible is None else Incident.objects.filter(visible).values("pk")


def postmortem_id_of(item: ActionItem) -> int | None:
    """The post-mortem the item was proposed in: its incident's (an incident has one). API
    clients and webhook receivers read it as `postmortem`; it is read through the incident's
    reverse relation (joined in by `action_item_list`), so this app imports nothing of the
    post-mortem app above it."""
    try:
        return item.incident.postmortem.pk
    except ObjectDoesNotExist:
        return None


def action_item_list(*, user, lookups: ReaderLookups | None = None) -> QuerySet[ActionItem]:
    """Every action item the user may see, with what a list shows joined in (one query).
    `lookups`: the reader's (`reader_lookups`), when the caller has read them already."""
    queryset = ActionItem.objects.select_related("owner", "incident__model__team", "incident__postmortem",
                                                 "fixed_in_version")
    visible = _visible_incidents(user, lookups)
    if visible is not None:
        queryset = queryset.filter(incident__in=visible)
    return queryset


def action_items_of_incident(*, incident_id: int) -> QuerySet[ActionItem]:
    """The incident's action items, in the order they were proposed, with the people a
    post-mortem shows joined in. For a caller that has already checked the incident may be seen
    (the post-mortem's page, API and export)."""
    return (ActionItem.objects.filter(incident_id=incident_id)
            .select_related("owner", "proposed_by", "reviewed_by").order_by("created_at", "id"))


def by_due_date(queryset: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    """Soonest due first (overdue ones lead), tickets without a date last."""
    return queryset.order_by(F("due_date").asc(nulls_last=True), "priority", "id")


def action_items_sorted(queryset: QuerySet[ActionItem], sort: str) -> QuerySet[ActionItem]:
    """Ordered by `sort` (a key of SORTS); ties by due date, then number, so pages are stable."""
    if sort == "priority":
        return queryset.order_by("priority", F("due_date").asc(nulls_last=True), "id")
    if sort == "newest":
        return queryset.order_by("-created_at", "-id")
    return by_due_date(queryset)


def soon_horizon(today: date) -> date:
    return today + timedelta(days=settings.ACTION_ITEM_REMIND_DAYS_BEFORE)


def action_items_search(queryset: QuerySet[ActionItem], q: str) -> QuerySet[ActionItem]:
    """Title words (every word must appear, any case), or a ticket's number: "AI-12", "ai12",
    "#12" or "12" also finds AI-12 itself."""
    words = q.split()
    if not words:
        return queryset
    by_title = Q()
    for word in words:
        by_title &= Q(title__icontains=word)
    number = reference_number(q, "AI")
    return queryset.filter(by_title | Q(pk=number) if number is not None else by_title)


def action_items_filter(queryset: QuerySet[ActionItem], *, status: str | None = None, owner: str | None = None,
                        overdue: bool | None = None, due: str | None = None, incident: int | None = None,
                        model: str | None = None, team: str | None = None, review_state: str | None = None,
                        today: date | None = None, q: str | None = None, priority: str | None = None,
                        owner_id: int | None = None, unowned: bool = False, due_from: date | None = None,
                        due_until: date | None = None) -> QuerySet[ActionItem]:
    """Narrows a list. `overdue` is a ticket past its due date and not finished; `due` is
    "overdue" or "soon" (due within ACTION_ITEM_REMIND_DAYS_BEFORE days, overdue included).
    `owner` is a username, `owner_id` a user's id ("me" on the pages), `unowned` the tickets
    nobody owns; `due_from` / `due_until` bound the due date (both days included)."""
    today = today or timezone.localdate()
    if q:
        queryset = action_items_search(queryset, q)
    if status:
        queryset = queryset.filter(status=status)
    if priority:
        queryset = queryset.filter(priority=priority)
    if owner:
        queryset = queryset.filter(owner__username=owner)
    if owner_id is not None:
        queryset = queryset.filter(owner_id=owner_id)
    if unowned:
        queryset = queryset.filter(owner__isnull=True)
    if due_from:
        queryset = queryset.filter(due_date__gte=due_from)
    if due_until:
        queryset = queryset.filter(due_date__lte=due_until)
    if incident is not None:
        queryset = queryset.filter(incident_id=incident)
    if model:
        queryset = queryset.filter(incident__model__name=model)
    if team:
        queryset = queryset.filter(incident__model__team__slug=team)
    if review_state:
        queryset = queryset.filter(review_state=review_state)
    late = {"review_state": ReviewState.ACCEPTED, "status__in": UNFINISHED_STATUSES, "due_date__lt": today}
    if overdue is True or due == DUE_OVERDUE:
        queryset = queryset.filter(**late)
    elif overdue is False:
        queryset = queryset.exclude(**late)
    if due == DUE_SOON:
        queryset = queryset.filter(review_state=ReviewState.ACCEPTED, status__in=UNFINISHED_STATUSES,
                                   due_date__lte=soon_horizon(today))
    return queryset


def action_item_get(*, user, item_id: int) -> ActionItem:
    item = action_item_list(user=user).select_related("proposed_by", "reviewed_by").filter(
        pk=item_id).first()
    if item is None:
        raise NotFound(f"There is no action item {item_id}, or you may not see it.")
    return item


def action_item_review_problem(*, user, item: ActionItem, model: Model) -> DomainError | None:
    """Why `user` may not accept or reject `item` now, or None. The service raises it; the
    post-mortem page offers the review controls only where it is None, so the two never
    disagree. `user=None` is the system (the demo seeding)."""
    try:
        require_review_on_model(actor=user, model=model, action="accept or reject action points")
    except PermissionDenied as refusal:
        return refusal
    if user is not None and item.proposed_by_id == user.pk:
        return PermissionDenied("You proposed this action point, so someone else reviews it (four eyes).")
    if item.review_state != ReviewState.PROPOSED:
        return Conflict(f"Action item {item.pk} is already {item.review_state}.", extra={"current": item.review_state})
    return None


def action_item_closed_incident_problem(*, item: ActionItem, incident: Incident, doing: str) -> Conflict | None:
    """Why `item` cannot be `doing` ("accepted", "reopened") now, whoever asks, or None: a
    closed incident's accepted action items are all finished (closing checks it), so none is
    reopened or accepted while it stays closed — the team reopens the incident first. The
    services raise it (with the incident locked); the post-mortem page offers Accept only where
    it is None, so the two never disagree."""
    if incident.status != IncidentStatus.CLOSED:
        return None
    return Conflict(f"INC-{incident.pk} is closed, so AI-{item.pk} cannot be {doing}: reopen INC-{incident.pk} first.",
                    extra={"current": item.status if item.review_state == ReviewState.ACCEPTED else item.review_state,
                           "incident": incident.pk, "incident_status": incident.status,
                           "allowed_transitions": []})


def action_item_can_work(*, user, item: ActionItem) -> bool:
    """The team's work (as for the incident), and the ticket's owner's."""
    access = user_access(user)
    if access.is_authenticated and item.owner_id == access.user_id:
        return True
    return incident_can_work(user=user, incident=item.incident)


def action_item_get_for_work(*, user, item_id: int) -> ActionItem:
    """404 when the user may not see it, 403 when they may only look."""
    item = action_item_get(user=user, item_id=item_id)
    if not action_item_can_work(user=user, item=item):
        raise PermissionDenied(f"Only the team that owns '{item.incident.model.name}', the people named on the "
                               "incident and the ticket's owner may change this action item.")
    return item


def action_items_workable(*, user, items: Iterable[ActionItem]) -> set[int]:
    """The ids among `items` the user may change, in at most one query (whatever the number of
    items): the rule of `action_item_can_work`, applied to a page of them."""
    items = list(items)
    access = user_access(user)
    if not access.is_authenticated:
        return set()
    if access.is_admin:
        return {item.pk for item in items}
    naming: set[int] = set()
    if any(item.incident.restricted for item in items):
        naming = set(incidents_naming(access.user_id).values_list("incident_id", flat=True))
    workable = set()
    for item in items:
        team_id = item.incident.model.team_id
        if (item.owner_id == access.user_id or team_id in access.team_ids
                or (team_id is None and not item.incident.restricted)
                or (item.incident.restricted and item.incident_id in naming)):
            workable.add(item.pk)
    return workable


# --- Board and lists ----------------------------------------------------------------------------

# The label of the button that moves a ticket to a status; back to open says "Reopen" for a finished one.
MOVE_LABELS = {TicketStatus.IN_PROGRESS: "Start", TicketStatus.DONE: "Done", TicketStatus.WONT_DO: "Won't do"}
# Buttons in the order work goes: forward first, back and won't-do last.
MOVE_ORDER = [TicketStatus.IN_PROGRESS, TicketStatus.DONE, TicketStatus.OPEN, TicketStatus.WONT_DO]


@dataclass(frozen=True)
class TicketMove:
    """A move the reader may make on a ticket: the status it goes to and its button's label."""

    to: str
    label: str


@dataclass(frozen=True)
class TicketRow:
    """A ticket as a list shows it: the item, and the moves the reader may make on it."""

    item: ActionItem
    moves: tuple[TicketMove, ...]

    @property
    def pk(self) -> int:
        return self.item.pk


def ticket_moves(item: ActionItem, *, can_work: bool) -> tuple[TicketMove, ...]:
    """The moves offered on `item` to a reader who may (or may not) work on it, in work order."""
    if not can_work:
        return ()
    finished = item.status in FINISHED_STATUSES
    return tuple(TicketMove(to=to, label=MOVE_LABELS.get(to) or ("Reopen" if finished else "Back to open"))
                 for to in sorted(allowed_moves(item), key=MOVE_ORDER.index))


def ticket_rows(*, user, items: Iterable[ActionItem], workable: set[int] | None = None) -> list[TicketRow]:
    """`items` as rows with their moves; `workable` (the ids `user` may change) is worked out in
    one query when the caller does not know it."""
    items = list(items)
    if workable is None:
        workable = action_items_workable(user=user, items=items)
    return [TicketRow(item=item, moves=ticket_moves(item, can_work=item.pk in workable)) for item in items]


@dataclass
class BoardColumn:
    status: str
    label: str
    items: list[TicketRow]
    total: int
    fold_after: int | None = None  # show this many, the rest behind "Show all"; None: all of them

    @property
    def hidden(self) -> int:
        return self.total - len(self.items)

    @property
    def first(self) -> list[TicketRow]:
        return self.items if self.fold_after is None else self.items[:self.fold_after]

    @property
    def folded(self) -> list[TicketRow]:
        return [] if self.fold_after is None else self.items[self.fold_after:]


def action_item_board(*, user, today: date | None = None, sort: str | None = None,
                      **filters) -> list[BoardColumn]:
    """The tickets the user may see by status, filtered like `action_items_filter`, each with the
    moves the user may make. A constant number of queries: one count, one query per column and
    one for who may work on what, whatever the number of tickets. A status filter leaves only
    that column."""
    tickets = action_items_filter(action_item_list(user=user).filter(review_state=ReviewState.ACCEPTED),
                                  today=today, **filters)
    totals = dict(tickets.order_by().values_list("status").annotate(n=Count("id")))
    shown: list[tuple[TicketStatus, list[ActionItem]]] = []
    for status in TicketStatus:
        if filters.get("status") and filters["status"] != status:
            continue
        column = tickets.filter(status=status)
        # Unless asked otherwise, work still to do is ordered by urgency; finished work by when it finished.
        if sort:
            ordered = action_items_sorted(column, sort)
        else:
            ordered = (by_due_date(column) if status not in FINISHED_STATUSES
                       else column.order_by("-updated_at", "-id"))
        shown.append((status, list(ordered[:BOARD_COLUMN_LIMIT])))
    workable = action_items_workable(user=user, items=[item for _, items in shown for item in items])
    # Asked for one status, its column is the whole point: nothing folded.
    fold = not filters.get("status")
    return [BoardColumn(status=status.value, label=status.label, items=ticket_rows(user=user, items=items,
                                                                                    workable=workable),
                        total=totals.get(status.value, 0),
                        fold_after=BOARD_FINISHED_SHOWN if fold and status in FINISHED_STATUSES else None)
            for status, items in shown]


@dataclass
class OwnerList:
    """Someone's tickets: unfinished ones, then finished ones, and how many match in all."""

    unfinished: list[TicketRow]
    finished: list[TicketRow]
    total: int

    @property
    def items(self) -> list[TicketRow]:
        return self.unfinished + self.finished

    @property
    def shown(self) -> int:
        return len(self.unfinished) + len(self.finished)


def action_items_of_owner(*, user, owner, limit: int = 200, sort: str | None = None, **filters) -> OwnerList:
    """`owner`'s tickets the user may see, filtered like `action_items_filter`: unfinished ones
    first (by due date unless `sort` says otherwise), then finished ones (latest first), each
    with the moves the user may make (all of them on their own tickets). Three queries (two
    lists and a count), whatever the number of tickets; four when `user` is not `owner`."""
    mine = action_items_filter(action_item_list(user=user).filter(owner=owner, review_state=ReviewState.ACCEPTED),
                               **filters)
    unfinished = list(action_items_sorted(mine.filter(status__in=UNFINISHED_STATUSES), sort or "due")[:limit])
    done = mine.exclude(status__in=UNFINISHED_STATUSES)
    finished = list((action_items_sorted(done, sort) if sort else done.order_by("-updated_at", "-id"))[:limit])
    # A ticket's owner may always move it.
    workable = ({item.pk for item in unfinished + finished} if owner.pk == user.pk
                else action_items_workable(user=user, items=unfinished + finished))
    return OwnerList(unfinished=ticket_rows(user=user, items=unfinished, workable=workable),
                     finished=ticket_rows(user=user, items=finished, workable=workable), total=mine.count())


def action_item_owner_candidates(*, item: ActionItem, user) -> list:
    """Who may own the ticket, as the page offers them: the members of the team that owns the
    incident's model (people, not bots: a bot cannot do the work); the current owner stays
    listed (saving the form must not drop them), and so does the person at the keyboard when
    they may work on it (an admin, someone a restricted incident names). Two queries."""
    at_keyboard = user.pk if user.is_authenticated and action_item_can_work(user=user, item=item) else None
    return team_people(team_id=item.incident.model.team_id, also=(item.owner_id, at_keyboard))


def action_item_owner_problem(*, item: ActionItem, owner, actor) -> str | None:
    """Why `owner` may not be chosen from the page's picker for `item`, or None: the picker
    offers `action_item_owner_candidates`, so the two never disagree."""
    if owner.pk == item.owner_id:
        return None
    if owner.pk in {candidate.pk for candidate in action_item_owner_candidates(item=item, user=actor)}:
        return None
    team = item.incident.model.team
    if hasattr(owner, "bot_account"):
        return f"{owner.get_username()} is a bot account: a person owns a ticket."
    if team is None:
        return (f"Choose the current owner or yourself: '{item.incident.model.name}' belongs to no team whose "
                "members could be offered.")
    return f"{owner.get_username()} is not a member of {team.name}: choose one of the team's members."


def board_filter_choices(*, user) -> dict[str, list]:
    """The teams, models and owners a board can be narrowed to: those of tickets the user may see."""
    tickets = action_item_list(user=user).filter(review_state=ReviewState.ACCEPTED).order_by()
    return {
        "teams": list(Team.objects.filter(models__incidents__action_items__in=tickets.values("pk")).distinct()
                      .order_by("name").values_list("slug", "name")),
        "models": list(Model.objects.filter(incidents__action_items__in=tickets.values("pk")).distinct()
                       .order_by("name").values_list("name", flat=True)),
        "owners": list(get_user_model().objects.filter(action_items__in=tickets.values("pk")).distinct()
                       .order_by("username").values_list("username", flat=True)),
    }


def allowed_moves(item: ActionItem) -> list[str]:
    """The statuses a ticket may move to now. A finished ticket of a closed incident stays
    finished (closing checked it; the service refuses reopening it until the incident reopens),
    so no list, button or API client is offered a move that would only answer 409."""
    if item.review_state != ReviewState.ACCEPTED:
        return []
    moves = TICKET_TRANSITIONS.allowed_from(item.status)
    if item.status in FINISHED_STATUSES and action_item_closed_incident_problem(
            item=item, incident=item.incident, doing="reopened") is not None:
        moves = [to for to in moves if to in FINISHED_STATUSES]
    return moves


# --- One incident's tickets -----------------------------------------------------------------------

@dataclass
class TicketSummary:
    """An incident's action items for its page (and the post-mortem's): the tickets and how
    far along they are."""

    tickets: list[ActionItem] = field(default_factory=list)
    proposed: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return len(self.tickets)

    @property
    def finished(self) -> int:
        return sum(1 for item in self.tickets if item.status in FINISHED_STATUSES)

    @property
    def unfinished(self) -> int:
        return self.total - self.finished

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.tickets if item.is_overdue)

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 0


def ticket_summary(*, incident_id: int) -> TicketSummary:
    """One query. The caller has checked the user may see the incident."""
    summary = TicketSummary()
    items = (ActionItem.objects.filter(incident_id=incident_id).select_related("owner")
             .order_by(F("due_date").asc(nulls_last=True), "id"))
    for item in items:
        if item.review_state == ReviewState.ACCEPTED:
            summary.tickets.append(item)
        elif item.review_state == ReviewState.PROPOSED:
            summary.proposed += 1
        else:
            summary.rejected += 1
    return summary


def action_items_blocking_close(*, incident_id: int) -> list[ActionItem]:
    """Accepted action items of the incident's post-mortem that are neither done nor won't-do:
    while there are any, the incident stays open to closing."""
    return list(ActionItem.objects.filter(incident_id=incident_id, review_state=ReviewState.ACCEPTED,
                                          status__in=UNFINISHED_STATUSES).select_related("owner").order_by("id"))


def action_item_comments(*, item: ActionItem) -> QuerySet[ActionItemComment]:
    return ActionItemComment.objects.filter(item=item).select_related("author").order_by("created_at", "id")


def action_item_last_export(*, item: ActionItem) -> TrackerExport | None:
    return TrackerExport.objects.filter(item=item).order_by("-created_at", "-id").first()


def action_item_deliveries(*, item: ActionItem, limit: int = 20) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.filter(item=item).select_related("endpoint")
                .order_by("-created_at", "-id")[:limit])


def action_items_to_remind(*, today: date) -> QuerySet[ActionItem]:
    """Tickets overdue or due within ACTION_ITEM_REMIND_DAYS_BEFORE days, still to be done."""
    return (ActionItem.objects.filter(review_state=ReviewState.ACCEPTED, status__in=UNFINISHED_STATUSES,
                                      due_date__lte=soon_horizon(today))
            .select_related("owner", "incident__model").order_by("due_date", "id"))
