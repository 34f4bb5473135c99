"""The incident page and the console moves that answer with it. The page composes reports,
replays, post-mortems, action items and evidence, so it lives in the top layer; it keeps the
incidents' URL names and paths (`incidents:detail`, `incidents:transition`, `incidents:update`):
the root URLconf routes it under /incidents/ in the `incidents` namespace."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.audit.selectors import audit_events_for
from apps.core.errors import DomainError, InvalidInput
from apps.core.page_actions import errors_onto_form, shown_on_page
from apps.incidents import selectors, services
from apps.incidents.console import MOVES, incident_console
from apps.incidents.forms import IncidentFieldsForm, IncidentMoveForm
from apps.incidents.models import IncidentStatus

from ..selectors.incident import HISTORY_EVENTS, incident_page


def _detail_context(request: HttpRequest, incident_id: int) -> dict:
    """The page's context: its read model (`page`), plus the names the console and history
    partials share with their in-place (htmx) responses."""
    page = incident_page(user=request.user, incident_id=incident_id)
    return {"page": page, "incident": page.incident, "console": page.console, "events": page.events,
            "evidence": page.evidence}


@login_required
def incident_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "pages/incident_detail.html", _detail_context(request, pk))


# --- The console: status moves, severity and owner, in place ---------------------------------
# Every console request answers the same way: to htmx, the console block (and the history, out
# of band) to swap in; without JavaScript, the whole page (a redirect after a successful POST).


def _console_response(request: HttpRequest, incident_id: int, *, status: int = 200, **console_state) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, incident_id=incident_id)
    if request.htmx:
        context = {"incident": incident,
                   "console": incident_console(user=request.user, incident=incident),
                   "events": audit_events_for(target=incident)[:HISTORY_EVENTS], "oob_history": True, **console_state}
        return render(request, "incidents/_console_swap.html", context, status=status)
    return render(request, "pages/incident_detail.html",
                  _detail_context(request, incident_id) | console_state, status=status)


def _done(request: HttpRequest, incident_id: int, message: str) -> HttpResponse:
    if request.htmx:
        return _console_response(request, incident_id, done=message)
    messages.success(request, message)
    return redirect("incidents:detail", incident_id)


def _refusal(error: DomainError) -> dict:
    """What a refused move shows: the service's reason, and links to what blocks it."""
    return {"detail": error.detail, "blockers": [
        {"id": item["id"], "title": item["title"], "status": item["status"],
         "label": item["status"].replace("_", " ").capitalize()}
        for item in error.extra.get("open_action_items", [])]}


@login_required
def incident_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET ?to=STATUS opens the move's form in place (GET without it closes it); POST makes the
    move through the API's services: incident_transition, or incident_merge for a duplicate,
    which needs the incident it duplicates."""
    incident = selectors.incident_get_for_work(user=request.user, incident_id=pk)
    console = incident_console(user=request.user, incident=incident, can_work=True)
    if request.method == "GET":
        to = request.GET.get("to", "")
        if not to:
            return _console_response(request, pk)
        move = MOVES.get(to)
        if move is None or move not in console.moves:
            current = incident.get_status_display()
            refusal = {"detail": f"INC-{pk} is {current.lower()} now: "
                                 f"{move.label if move else repr(to)} is not a move from here.", "blockers": []}
            return _console_response(request, pk, refusal=refusal, status=409)
        form = IncidentMoveForm(console=console, initial={"to": to})
        return _console_response(request, pk, move=move, move_form=form)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])

    form = IncidentMoveForm(request.POST, console=console)
    move = MOVES.get(request.POST.get("to", ""))
    if not form.is_valid():
        if move is None:
            return _console_response(request, pk, status=400, refusal={
                "detail": "Choose one of the moves on the page.", "blockers": []})
        return _console_response(request, pk, move=move, move_form=form, status=400)
    data = form.cleaned_data
    try:
        if data["to"] == IncidentStatus.DUPLICATE:
            services.incident_merge(source_id=pk, target_id=data["into"], actor=request.user, note=data["note"])
        else:
            services.incident_transition(incident_id=pk, to=data["to"], actor=request.user, note=data["note"],
                                         fixed_in_version=data["fixed_in_version"] or None)
    except InvalidInput as error:
        errors_onto_form(form, error, others_as_non_field=True, detail_if_none=True)
        return _console_response(request, pk, move=move, move_form=form, status=400)
    except DomainError as error:
        shown_on_page(error)  # 404 / 403: the middleware's page
        return _console_response(request, pk, refusal=_refusal(error), status=error.status)
    moved = selectors.incident_get(user=request.user, incident_id=pk)
    if data["to"] == IncidentStatus.DUPLICATE:
        return _done(request, pk, f"INC-{pk} is marked a duplicate of INC-{data['into']}: its reports moved there.")
    return _done(request, pk, f"INC-{pk} is now {moved.get_status_display().lower()}.")


@login_required
@require_POST
def incident_update_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Severity and owner, through incident_update (audited). "Assign to me" posts the owner only."""
    incident = selectors.incident_get_for_work(user=request.user, incident_id=pk)
    console = incident_console(user=request.user, incident=incident, can_work=True)
    form = IncidentFieldsForm(request.POST, console=console)
    if not form.is_valid() or not form.changes():
        if form.is_valid():
            form.add_error(None, "Choose a severity or an owner.")
        return _console_response(request, pk, fields_form=form, status=400)
    changes = form.changes()
    if "owner" in changes:
        changes["owner"] = get_user_model().objects.filter(username=changes["owner"]).first() \
            if changes["owner"] else None
    services.incident_update(incident_id=pk, actor=request.user, **changes)
    updated = selectors.incident_get(user=request.user, incident_id=pk)
    said = []
    if "severity" in changes:
        said.append(f"severity {updated.get_severity_display().lower()}")
    if "owner" in changes:
        said.append(f"owned by {updated.owner.get_username()}" if updated.owner else "no owner")
    return _done(request, pk, f"INC-{pk}: {', '.join(said)}.")
