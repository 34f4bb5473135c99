from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.audit.selectors import audit_events_for
from apps.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from apps.core.humanize import counted
from apps.core.listing import LIST_PAGE_SIZE, filters_from_form, list_page
from apps.core.page_actions import errors_onto_form, shown_on_page
from apps.registry.selectors import model_version_get, model_version_latest
from apps.replays.selectors import reports_for_batch
from apps.replays.services import replay_start

from . import selectors, services
from .console import MOVES, incident_console
from .evidence import incident_evidence_add
from .forms import (
    IncidentAccessForm,
    IncidentEvidenceForm,
    IncidentFieldsForm,
    IncidentFilterForm,
    IncidentMergeForm,
    IncidentMoveForm,
)
from .models import IncidentStatus
from .page import incident_page, incident_replay_panel


@login_required
def incident_list_view(request):
    models, owners, teams = selectors.incident_filter_choices(user=request.user)
    form = IncidentFilterForm(request.GET or None, models=models, owners=owners, teams=teams)
    filters, filtered = filters_from_form(form, selectors.IncidentFilters)
    context = list_page(request, selectors.incident_list_filtered(user=request.user, filters=filters),
                        per_page=LIST_PAGE_SIZE)
    context.update(form=form, filtered=filtered)
    context["page"].object_list = selectors.incidents_as_seen_by(user=request.user,
                                                                 incidents=context["page"].object_list)
    return render(request, "incidents/incident_list.html", context)


def _detail_context(request, incident_id: int) -> dict:
    """The page's context: its read model (`page`), plus the names the console and history
    partials share with their in-place (htmx) responses."""
    page = incident_page(user=request.user, incident_id=incident_id)
    return {"page": page, "incident": page.incident, "console": page.console, "events": page.events,
            "evidence": page.evidence}


@login_required
def incident_detail_view(request, pk: int):
    return render(request, "incidents/incident_detail.html", _detail_context(request, pk))


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
                  _detail_context(request, incident_id) | console_state, status=status)


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
def incident_access_view(request, pk: int):
    """Restrict or un-restrict, name people, set the title outsiders read — through
    incident_update (audited); a combination it refuses comes back as the reason."""
    incident = selectors.incident_get_for_work(user=request.user, incident_id=pk)
    form = IncidentAccessForm(request.POST, people=selectors.incident_people_to_name(incident=incident))
    back = redirect(reverse("incidents:detail", args=[pk]) + "#access")
    if not form.is_valid():
        messages.error(request, "; ".join(f"{form.fields[name].label if name in form.fields else 'Form'}: "
                                          f"{' '.join(errors)}" for name, errors in form.errors.items()))
        return back
    data = form.cleaned_data
    named = list(get_user_model().objects.filter(username__in=data["restricted_to"])) if data["restricted"] else []
    try:
        services.incident_update(incident_id=pk, actor=request.user, restricted=data["restricted"],
                                 restricted_to=named, public_title=data["public_title"].strip())
    except DomainError as error:
        shown_on_page(error)  # 404 / 403: the middleware's page
        messages.error(request, error.detail)
        return back
    if data["restricted"]:
        who = f"the team{', ' + ', '.join(sorted(user.get_username() for user in named)) if named else ''} and admins"
        messages.success(request, f"INC-{pk} is restricted: only {who} see it.")
    else:
        messages.success(request, f"INC-{pk} is visible to everyone signed in; outsiders read its public title.")
    return back


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
    except DomainError as error:
        shown_on_page(error)  # 404 / 403: the middleware's page
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
    except DomainError as error:
        shown_on_page(error)  # 404 / 403: the middleware's page
        messages.error(request, error.detail)
        return redirect("incidents:detail", pk)
    messages.success(request, f"INC-{pk} is merged into INC-{target.pk}: its reports are here now, and later "
                              "reports like them will come here too.")
    return redirect("incidents:detail", target.pk)


# --- Replays: the incident's reports on any registered version -------------------------------
# The same services as `POST /api/v1/replays/` with "incident": the reports the person may see,
# run by replay_start. htmx gets the replay panel back (and polls it while a run is in
# progress); without JavaScript, a message and the page.


def _replay_panel(request, incident_id: int):
    incident = selectors.incident_get_for_work(user=request.user, incident_id=incident_id)
    panel = incident_replay_panel(
        user=request.user, incident=incident,
        versions_involved=selectors.incident_versions_involved(incidents=[incident])[incident.pk])
    if panel is None:
        raise PermissionDenied(f"Only members of the team that owns '{incident.model.name}' may replay its reports.")
    return incident, panel


def _replay_answer(request, incident_id: int, *, message: str, ok: bool):
    if request.htmx:
        incident, panel = _replay_panel(request, incident_id)
        return render(request, "incidents/_replays.html",
                      {"incident": incident, "replay_panel": panel, "replay_done": message if ok else "",
                       "replay_problem": "" if ok else message}, status=200 if ok else 400)
    (messages.success if ok else messages.error)(request, message)
    return redirect(reverse("incidents:detail", args=[incident_id]) + "#replays")


@login_required
def incident_replays_view(request, pk: int):
    """The replay panel alone: what the page polls while a run is in progress."""
    incident, panel = _replay_panel(request, pk)
    return render(request, "incidents/_replays.html", {"incident": incident, "replay_panel": panel})


@login_required
@require_POST
def incident_replay_view(request, pk: int):
    """Replays the incident's reports on the chosen version (the newest when none is chosen)."""
    incident, panel = _replay_panel(request, pk)
    requested = request.POST.get("model_version", "").strip()
    try:
        version = (model_version_get(model=incident.model, version=requested) if requested
                   else model_version_latest(model=incident.model))
        if version is None:
            raise InvalidInput(f"{incident.model.name} has no registered version to replay on.")
        reports = reports_for_batch(user=request.user, model=incident.model, incident=incident.pk)
        replay = replay_start(actor=request.user, model_version=version, reports=reports)
    except PermissionDenied:
        raise
    except NotFound:
        choices = ", ".join(choice.value for choice in panel.versions) or "none registered"
        return _replay_answer(request, pk, ok=False, message=(
            f"{incident.model.name} has no version {requested[:60]!r}: choose one of {choices}."))
    except DomainError as error:
        return _replay_answer(request, pk, ok=False, message=error.detail)
    replay.refresh_from_db()
    replayed = f"INC-{pk}'s {counted(replay.total, 'report')} on version {version.version}"
    # Without a broker the run has already finished by now: say so, rather than "started".
    if replay.is_finished:
        message = (f"Replayed {replayed}: {replay.matched} reproduced, {replay.mismatched} changed, "
                   f"{replay.errors} errors." if replay.status == "succeeded"
                   else f"The replay of {replayed} failed: {replay.error_message or 'see the run'}.")
    else:
        message = f"Replay of {replayed} queued: the verdict appears below as a worker runs it."
    return _replay_answer(request, pk, ok=True, message=message)
