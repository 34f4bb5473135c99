"""Ticket pages: the board, "my action items", and one ticket. Moving a ticket is a plain form
post (a button per allowed move), so it works with the keyboard and without JavaScript."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.core.page_actions import errors_onto_form, page_action, shown_on_page
from apps.incidents.selectors import incident_title_as_seen_by
from apps.registry.models import ModelVersion

from . import selectors, services
from .forms import BoardFilterForm, TicketCommentForm, TicketEditForm, TicketTransitionForm
from .models import ActionItem, ActionKind


def _back(request, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _filter_form(request, *, mine: bool = False) -> BoardFilterForm:
    # Only the filters' own parameters bind the form: a bare /actions/ is the unfiltered board.
    data = request.GET if any(request.GET.get(name) for name in BoardFilterForm.base_fields) else None
    return BoardFilterForm(data, choices=selectors.board_filter_choices(user=request.user), mine=mine)


@login_required
def action_board_view(request):
    form = _filter_form(request)
    filters = form.filters(user=request.user)
    columns = selectors.action_item_board(user=request.user, **filters)
    return render(request, "actions/board.html", {
        "form": form, "columns": columns, "filtered": bool(filters), "here": request.get_full_path(),
        "total": sum(column.total for column in columns)})


@login_required
def my_action_items_view(request):
    form = _filter_form(request, mine=True)
    filters = form.filters(user=request.user)
    mine = selectors.action_items_of_owner(user=request.user, owner=request.user, **filters)
    rows = mine.items
    return render(request, "actions/mine.html", {
        "form": form, "rows": rows, "total": mine.total, "filtered": bool(filters),
        "open_count": len(mine.unfinished), "overdue_count": sum(1 for row in rows if row.item.is_overdue),
        "here": request.get_full_path()})


def _edit_form(item: ActionItem, data=None, *, owners: list[str] | None = None) -> TicketEditForm:
    versions = None
    if item.kind == ActionKind.CORRECTIVE:
        versions = list(ModelVersion.objects.filter(model_id=item.incident.model_id).order_by("created_at", "id")
                        .values_list("version", flat=True))
    initial = {"owner": item.owner.get_username() if item.owner_id else "", "due_date": item.due_date,
               "priority": item.priority, "external_url": item.external_url,
               "fixed_in_version": item.fixed_in_version.version if item.fixed_in_version_id else ""}
    return TicketEditForm(data, initial=initial, versions=versions, owners=owners)


@login_required
def action_item_detail_view(request, pk: int, edit_form: TicketEditForm | None = None, status: int = 200,
                            done: str = ""):
    item = selectors.action_item_get(user=request.user, item_id=pk)
    can_work = selectors.action_item_can_work(user=request.user, item=item)
    owners = ([person.get_username() for person in selectors.action_item_owner_candidates(item=item,
                                                                                         user=request.user)]
              if can_work else [])
    if edit_form is not None:
        edit_form.fields["owner"].widget.choices = [("", "Nobody yet")] + [(name, name) for name in owners]
    return render(request, "actions/detail.html", {
        "item": item,
        "incident_title": incident_title_as_seen_by(user=request.user, incident=item.incident),
        "can_work": can_work,
        "moves": selectors.ticket_moves(item, can_work=can_work),
        # A person who may work on it takes it in one click (the owner already has it).
        "can_assign_to_me": can_work and item.owner_id != request.user.pk,
        "done": done,
        "comments": selectors.action_item_comments(item=item),
        "edit_form": edit_form or _edit_form(item, owners=owners),
        "comment_form": TicketCommentForm(),
        "last_export": selectors.action_item_last_export(item=item),
        "can_export": can_work and item.is_ticket and not item.external_url and services.github_configured(),
        "deliveries": selectors.action_item_deliveries(item=item) if can_work else [],
        "here": request.get_full_path(),
    }, status=status)


@login_required
@require_POST
def action_item_transition_view(request, pk: int):
    selectors.action_item_get_for_work(user=request.user, item_id=pk)
    back = _back(request, reverse("actions:detail", args=[pk]))
    form = TicketTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose where to move the ticket.")
        return redirect(back)
    def act() -> str:
        item = services.action_item_transition(item_id=pk, actor=request.user, **form.cleaned_data)
        return f"AI-{pk} “{item.title}” is now {item.get_status_display().lower()}."

    return page_action(request, act, back=f"{back}#ai-{pk}",
                       refused_message=lambda error: f"AI-{pk} was not moved: {error.detail}")


def _saved_message(pk: int, changes: dict, item: ActionItem) -> str:
    if set(changes) == {"owner"}:
        return f"AI-{pk} is now owned by {item.owner.get_username()}." if item.owner else f"AI-{pk} has no owner now."
    return f"AI-{pk} is saved."


@login_required
@require_POST
def action_item_update_view(request, pk: int):
    """The ticket's fields through action_item_update (audited), the owner among the people the
    picker offers. "Assign to me" posts the owner alone. To htmx the ticket page is answered
    (it swaps the ticket in place); without JavaScript, a redirect, or the page with the reasons
    next to the fields (400)."""
    item = selectors.action_item_get_for_work(user=request.user, item_id=pk)
    form = _edit_form(item, request.POST)
    if form.is_valid() and not form.changes():
        form.add_error(None, "Nothing to change: choose an owner, a due date or a priority.")
    if form.is_valid():
        changes = form.changes()
        try:
            item = services.action_item_update(item_id=pk, actor=request.user, owner_from_team=True, **changes)
        except DomainError as error:
            errors_onto_form(form, shown_on_page(error), others_as_non_field=True, detail_if_none=True)
        else:
            message = _saved_message(pk, changes, item)
            if request.htmx:
                return action_item_detail_view(request, pk, done=message)
            messages.success(request, message)
            return redirect("actions:detail", pk)
    return action_item_detail_view(request, pk, edit_form=form, status=400)


@login_required
@require_POST
def action_item_comment_view(request, pk: int):
    selectors.action_item_get_for_work(user=request.user, item_id=pk)
    form = TicketCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write the comment first (at most 10,000 characters).")
        return redirect("actions:detail", pk)
    def act() -> str:
        services.action_item_comment_add(item_id=pk, actor=request.user, body=form.cleaned_data["body"])
        return ""  # the comment on the page says it

    return page_action(request, act, back=f"{reverse('actions:detail', args=[pk])}#comments")


@login_required
@require_POST
def action_item_export_view(request, pk: int):
    selectors.action_item_get_for_work(user=request.user, item_id=pk)
    def act() -> str:
        services.action_item_export_request(item_id=pk, actor=request.user)
        return f"AI-{pk} is being exported to GitHub; its issue's link appears here when it is created."

    return page_action(request, act, back=reverse("actions:detail", args=[pk]))
