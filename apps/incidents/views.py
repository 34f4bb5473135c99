from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.actions.selectors import ticket_summary
from apps.audit.selectors import audit_events_for
from apps.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from apps.core.listing import LIST_PAGE_SIZE, list_page
from apps.postmortems.selectors import postmortem_of
from apps.reports.selectors import report_list

from . import selectors, services
from .console import MOVES, incident_console
from .evidence import incident_evidence_add, incident_evidence_list
from .forms import IncidentEvidenceForm, IncidentFieldsForm, IncidentFilterForm, IncidentMergeForm, IncidentMoveForm
from .models import INCIDENT_TRANSITIONS, IncidentStatus


@login_required
def incident_list_view(request):
    models, owners = selectors.incident_filter_choices(user=request.user)
    form = IncidentFilterForm(request.GET or None, models=models, owners=owners)
    # A filter that does not parse (a hand-edited URL) is shown with its error and ignored.
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.IncidentFilters(**{key: value for key, value in data.items() if value not in (None, "")})
    context = list_page(request, selectors.incident_list_filtered(user=request.user, filters=filters),
                        per_page=LIST_PAGE_SIZE)
    context.update(form=form, filtered=any(value not in (None, "") for key, value in data.items() if key != "sort"))
    context["page"].object_list = selectors.incidents_as_seen_by(user=request.user,
                                                                 incidents=context["page"].object_list)
    return render(request, "incidents/incident_list.html", context)


def _detail_context(request, incident) -> dict:
    can_work = selectors.incident_can_work(user=request.user, incident=incident)
    reports = report_list(user=request.user).filter(incident=incident)
    candidates = selectors.incident_merge_candidates(user=request.user, incident=incident) if can_work else []
    return {
        "incident": incident,
        "reports": reports,
        "console": incident_console(user=request.user, incident=incident, can_work=can_work),
        "events": audit_events_for(target=incident)[:50],
        "model_versions": selectors.incident_versions_involved(incidents=[incident])[incident.pk],
        "can_work": can_work,
        "outside_title": selectors.incident_neutral_title(incident),
        "candidates": candidates,
        "can_merge": bool(candidates) and INCIDENT_TRANSITIONS.can_move(incident.status, IncidentStatus.DUPLICATE),
        # Moving an incident's only report would leave it empty: people merge the incident instead.
        "can_move_reports": can_work and incident.report_count > 1,
        "postmortem": postmortem_of(incident=incident),
        "evidence": incident_evidence_list(user=request.user, incident_id=incident.pk),
        "ticket_summary": ticket_summary(incident_id=incident.pk),
    }


@login_required
def incident_detail_view(request, pk: int):
    incident = selectors.incident_get(user=request.user, incident_id=pk)
    return render(request, "incidents/incident_detail.html", _detail_context(request, incident))


# --- The console: status moves, severity and owner, in place ---------------------------------
# Every console request answers the same way: to htmx, the console block (and the history, out
# of band) to swap in; without JavaScript, the whole page (a redirect after a successful POST).


def _console_response(request, incident_id: int, *, status: int = 200, **console_state):
    incident = selectors.incident_get(user=request.user, incident_id=incident_id)
    if request.htmx:
        context = {"incident": incident,
                   "console": incident_console(user=request.user, incident=incident),
                   "events": audit_events_for(target=incident)[:50], "oob_history": True, **console_state}
        return render(request, "incidents/_console_swap.html", context, status=status)
    return render(request, "incidents/incident_detail.html",
                  _detail_context(request, incident) | console_state, status=status)


def _done(request, incident_id: int, message: str):
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
def incident_transition_view(request, pk: int):
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
    except (NotFound, PermissionDenied):
        raise
    except InvalidInput as error:
        for name, problems in error.errors.items():
            form.add_error(name if name in form.fields else None, problems)
        if not error.errors:
            form.add_error(None, error.detail)
        return _console_response(request, pk, move=move, move_form=form, status=400)
    except DomainError as error:
        return _console_response(request, pk, refusal=_refusal(error), status=error.status)
    moved = selectors.incident_get(user=request.user, incident_id=pk)
    if data["to"] == IncidentStatus.DUPLICATE:
        return _done(request, pk, f"INC-{pk} is marked a duplicate of INC-{data['into']}: its reports moved there.")
    return _done(request, pk, f"INC-{pk} is now {moved.get_status_display().lower()}.")


@login_required
@require_POST
def incident_update_view(request, pk: int):
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


@login_required
@require_POST
def incident_evidence_add_view(request, pk: int):
    """Attaches a link, a note, or (from the post-mortem's facts) a report or replay."""
    form = IncidentEvidenceForm(request.POST)
    back = (redirect(reverse("postmortems:editor", args=[pk]) + "?section=facts#evidence-list")
            if request.POST.get("return_to") == "postmortem" else redirect(reverse("incidents:detail", args=[pk])
                                                                            + "#evidence"))
    if not form.is_valid():
        messages.error(request, "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()))
        return back
    try:
        evidence = incident_evidence_add(incident_id=pk, actor=request.user, **form.cleaned_data)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.detail)
        return back
    messages.success(request, f"Evidence attached: {evidence.title}")
    return back


@login_required
@require_POST
def incident_merge_view(request, pk: int):
    selectors.incident_get_for_work(user=request.user, incident_id=pk)
    form = IncidentMergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the incident to merge this one into.")
        return redirect("incidents:detail", pk)
    try:
        target = services.incident_merge(source_id=pk, target_id=form.cleaned_data["into"], actor=request.user,
                                         note=form.cleaned_data["note"])
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("incidents:detail", pk)
    messages.success(request, f"INC-{pk} is merged into INC-{target.pk}: its reports are here now, and later "
                              "reports like them will come here too.")
    return redirect("incidents:detail", target.pk)
