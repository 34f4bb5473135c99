import json
from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts.access import user_access
from apps.accounts.authentication import ApiTokenAuthentication
from apps.core.errors import DomainError, NotFound, PermissionDenied
from apps.core.listing import LIST_PAGE_SIZE, filters_from_form, list_page
from apps.core.problems import problem_json_response
from apps.forensics.selectors import input_checks, report_forensics_for
from apps.forensics.strips import input_rows
from apps.incidents.selectors import incident_list
from apps.predictions.selectors import prediction_models_for_id, prediction_preview
from apps.registry.models import Model
from apps.registry.selectors import model_list, model_version_by_id, model_version_list, surface_list
from apps.replays.forms import ExpectedOutcomeForm
from apps.replays.selectors import expected_outcome_of, replays_for_report
from apps.replays.services import replay_start

from . import selectors, services
from .attachments import download_name, upload_request_check
from .candidates import prediction_candidates
from .forms import POINTER_CONTEXT_KEYS, POINTER_KINDS, ReportFilterForm, ReportForm, ReportMoveForm
from .models import Channel


@login_required
def report_list_view(request):
    form = ReportFilterForm(request.GET or None, models=selectors.report_filter_models(user=request.user))
    filters, filtered = filters_from_form(form, selectors.ReportFilters)
    can_sort = user_access(request.user).can_sort
    unsorted = can_sort and request.GET.get("view") == "unsorted"
    if unsorted:
        filters = replace(filters, unsorted=True)
    context = list_page(request, selectors.report_list_filtered(user=request.user, filters=filters),
                        per_page=LIST_PAGE_SIZE)
    context.update(form=form, filtered=filtered, can_sort=can_sort, unsorted=unsorted,
                   unsorted_count=selectors.unsorted_count(user=request.user))
    return render(request, "reports/report_list.html", context)


# What the service says, in the reporter's words, next to the form field it is about.
_REPORTER_WORDS = {
    "prediction_id": "We could not find this prediction id. Check it, or clear the field: the team can find the "
                     "prediction later.",
    "lookup": "We could not find this in the log. Check it, or clear the field.",
    "seen_at": "That is in the future: say roughly when you saw it.",
    "context": "Something about where you saw it could not be stored. Choose the place again.",
}
_FIELD_FOR = {"prediction_id": "prediction_id", "lookup": "prediction_id", "seen_at": "seen_at", "context": "surface",
              "file": "screenshot"}


def _attach_errors(form: ReportForm, error: DomainError) -> None:
    """Each problem once, next to its field (the summary at the top links to them); the
    service's own sentence only when no field fits it."""
    attached = False
    for key, messages_ in error.errors.items():
        field = key.split(".", 1)[0]
        if field in _REPORTER_WORDS:
            form.add_error(_FIELD_FOR[field], _REPORTER_WORDS[field])
        elif field == "model" and form.cleaned_data.get("features") is None:
            form.add_error("prediction_id", "Several products logged this id: choose where you saw it.")
        elif field in _FIELD_FOR or field in form.fields:
            prefix = f"{key.split('.', 1)[1]}: " if "." in key else ""
            form.add_error(_FIELD_FOR.get(field, field), " ".join(prefix + message for message in messages_))
        else:
            continue
        attached = True
    if not attached:
        form.add_error(None, error.detail)


def _report_form(data=None, files=None) -> ReportForm:
    now = timezone.localtime().replace(second=0, microsecond=0)
    return ReportForm(data, files, surfaces=list(surface_list()), models=list(model_list()),
                      initial={"seen_at": now, "pointer_kind": "prediction"})


@login_required
def report_create_view(request):
    if request.method == "POST":
        upload_request_check(content_length=request.META.get("CONTENT_LENGTH"))
    form = _report_form(request.POST or None, request.FILES or None)
    schema_mismatch = False
    if request.method == "POST" and form.is_valid():
        try:
            # One transaction: a refused screenshot files nothing, so the person fixes it and sends
            # the whole form again instead of ending up with a half-filed report.
            with transaction.atomic():
                report = services.report_create(reporter=request.user, channel=Channel.FORM,
                                                **form.report_arguments())
                if form.cleaned_data["screenshot"]:
                    services.report_attachment_add(report=report, upload=form.cleaned_data["screenshot"],
                                                   actor=request.user)
        except (PermissionDenied, NotFound) as error:
            form.add_error(None, error.detail)
        except DomainError as error:
            schema_mismatch = (any(key.startswith("features.") for key in error.errors)
                               or error.errors.get("features") == [services.LOGGED_SCHEMA_MISMATCH])
            _attach_errors(form, error)
        else:
            messages.success(request, f"Thank you — your report WTF-{report.pk} is filed. Here is its page.")
            return redirect(report)
    return render(request, "reports/report_form.html", {"form": form, "schema_mismatch": schema_mismatch},
                  status=400 if form.errors else 200)


def _preview_model(request) -> tuple[Model | None, str | None]:
    """The model a Look it up is about: the version's (older pages send it), the chosen place's,
    the named model's, else none (the one model whose log holds the id). (model, problem)."""
    raw_version = request.GET.get("model_version", "")
    if raw_version:
        version = model_version_by_id(raw_version)
        return (version.model, None) if version else (None, "Choose where you saw it first, then type the id.")
    surface = surface_list().filter(pk=int(request.GET["surface"])).first() \
        if request.GET.get("surface", "").isdigit() and len(request.GET["surface"]) < 18 else None
    if surface is not None:
        return surface.model, None
    name = request.GET.get("model", "")
    if name:
        model = model_list().filter(name=name).first()
        return (model, None) if model else (None, "Choose the model again.")
    return None, None


@login_required
@require_safe
def report_prediction_preview_view(request):
    """Whether the inference log holds an id, shown on the form before the report is filed.
    Anyone who may file sees when it was logged and what the model answered; only the owning
    team sees the logged inputs (prediction_preview decides). A request or customer id is not
    looked up here: searching the log by context is the team's (they do it from the report)."""
    pointer = request.GET.get("prediction_id", "").strip()[:200]
    kind = request.GET.get("kind", "prediction")
    if not pointer:
        return render(request, "reports/_prediction_preview.html",
                      {"message": "Type the id first, then look it up."}, status=400)
    if kind in POINTER_CONTEXT_KEYS:
        return render(request, "reports/_prediction_preview.html",
                      {"passed_on": pointer, "kind": dict(POINTER_KINDS)[kind].lower()})
    model, problem = _preview_model(request)
    if problem:
        return render(request, "reports/_prediction_preview.html", {"message": problem}, status=400)
    if model is None:
        models = prediction_models_for_id(prediction_id=pointer)
        if len(models) > 1:
            return render(request, "reports/_prediction_preview.html", {
                "message": "Several products logged this id: choose where you saw it, then look it up again."},
                status=400)
        model = models[0] if models else None
    try:
        if model is None:
            raise NotFound("No such prediction.")
        preview = prediction_preview(user=request.user, model=model, prediction_id=pointer)
    except DomainError:
        return render(request, "reports/_prediction_preview.html", {
            "message": "No logged prediction has this id. Check it, or leave the field empty: the team can find "
                       "the prediction later."}, status=404)
    return render(request, "reports/_prediction_preview.html", {"preview": preview, "model": model})


@login_required
def report_detail_view(request, pk: int):
    report = selectors.report_get(user=request.user, report_id=pk)
    access = user_access(request.user)
    can_work = report.model_id is not None and access.can_work_on_team(report.model.team_id)
    replays = replays_for_report(user=request.user, report_id=report.pk) if can_work else []
    inputs_withheld = selectors.report_inputs_withheld(user=request.user, report=report)
    expected = expected_outcome_of(report=report)
    initial = {"predicate": expected.predicate, "value": expected.value if isinstance(expected.value, str) else
               json.dumps(expected.value), "field": expected.field, "note": expected.note} if expected else {}
    version = report.model_version
    # Logged inputs belong to the model's team: withheld, nothing about them is drawn either.
    checks = ([] if inputs_withheld or not report.has_inputs or version is None
              else input_checks(model_version=version, features=report.features))
    reference = (version.reference_stats or {}) if version is not None else {}
    inputs = input_rows(checks=checks, reference=reference)
    linkable = can_work and not report.has_inputs
    return render(request, "reports/report_detail.html", {
        "candidates": prediction_candidates(user=request.user, report_id=report.pk) if linkable else None,
        "sort_models": list(model_list()) if report.is_unsorted and access.can_sort else None,
        "expected": expected,
        "expectation_form": ExpectedOutcomeForm(initial=initial) if can_work and report.has_inputs else None,
        "report": report,
        "can_work": can_work,
        "can_sort": report.is_unsorted and access.can_sort,
        "incident_visible": report.incident_id is not None
        and incident_list(user=request.user).filter(pk=report.incident_id).exists(),
        "inputs_withheld": inputs_withheld,
        "inputs": inputs,
        # The finding the page leads with: the most suspicious input, when anything is odd.
        "finding": next((row for row in inputs if row.suspicious), None),
        "latest": next(((replay, result) for replay, result in replays if result is not None), None),
        "versions": list(model_version_list(model=report.model)) if can_work and report.has_inputs else [],
        "has_reference": bool(reference.get("features")),
        "forensics": report_forensics_for(user=request.user, report=report) if report.model_id else None,
        "replays": replays,
        "replay_pending": any(not replay.is_finished for replay, _ in replays),
        "attachments": selectors.attachment_list(user=request.user, report_id=report.pk),
    })


@login_required
@require_POST
def report_link_prediction_view(request, pk: int):
    """"Link this prediction" on a report whose inputs are missing (the model's team)."""
    report = selectors.report_get(user=request.user, report_id=pk)
    try:
        services.report_prediction_link(report_id=report.pk, prediction_id=request.POST.get("prediction_id", ""),
                                        actor=request.user)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Linked prediction {request.POST['prediction_id'].strip()}: its inputs are in the "
                                  "report and its forensics are being computed.")
    return redirect(report)


@login_required
@require_POST
def report_assign_model_view(request, pk: int):
    """Sorting an unsorted report (admins and triagers): it goes to the chosen model's team."""
    report = selectors.report_get(user=request.user, report_id=pk)
    try:
        sorted_report = services.report_model_assign(report_id=report.pk, model_name=request.POST.get("model", ""),
                                                     actor=request.user)
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect(report)
    messages.success(request, f"WTF-{report.pk} is now with the team of {sorted_report.model}, in "
                              f"INC-{sorted_report.incident_id}.")
    # A triager outside that team no longer sees the report: back to the inbox.
    if selectors.report_list(user=request.user).filter(pk=report.pk).exists():
        return redirect(report)
    return redirect(f"{reverse('reports:list')}?view=unsorted")


@login_required
@require_POST
def report_replay_view(request, pk: int):
    report = selectors.report_get(user=request.user, report_id=pk)
    # "Replay on another version": any registered version of the report's model; the report's
    # own version when none is chosen.
    version = report.model_version
    if request.POST.get("model_version"):
        version = model_version_by_id(request.POST["model_version"], model=report.model)
        if version is None:
            messages.error(request, f"Choose one of the versions of {report.model.name} to replay on.")
            return redirect(report)
    try:
        replay = replay_start(actor=request.user, model_version=version, reports=[report])
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        replay.refresh_from_db()
        # Without a broker the replay has already run by now: say so, rather than "started".
        if replay.is_finished:
            messages.info(request, f"Replay on version {version.version} finished: its verdict is below.")
        else:
            messages.info(request, f"Replay on version {version.version} queued: its verdict appears below "
                                   "when a worker has run it.")
    return redirect(report)


def _download_user(request: HttpRequest):
    """The signed-in person, or the bot whose API token is in the Authorization header."""
    if request.user.is_authenticated:
        return request.user
    authenticated = ApiTokenAuthentication().authenticate(request)
    if authenticated is None:
        return None
    user, token = authenticated
    if not token.is_full_access:
        raise PermissionDenied(f"This token is limited to {', '.join(token.scopes)}; downloading attachments "
                               "needs a token with full access.")
    return user


@require_safe
def report_attachment_download_view(request, pk: int, attachment_id: int) -> HttpResponse:
    try:
        user = _download_user(request)
    except AuthenticationFailed as exc:
        response = problem_json_response(status_code=401, title="Not authenticated", detail=str(exc.detail),
                                         slug="not-authenticated")
        response["WWW-Authenticate"] = ApiTokenAuthentication.keyword
        return response
    if user is None:
        return redirect_to_login(request.get_full_path())

    attachment = selectors.attachment_get(user=user, report_id=pk, attachment_id=attachment_id)
    try:
        stream = attachment.file.open("rb")
    except FileNotFoundError:
        raise NotFound(f"The file of attachment {attachment_id} is missing from storage; tell an administrator.")
    content_type = attachment.content_type
    if content_type.startswith("text/") or content_type == "application/json":
        content_type += "; charset=utf-8"
    response = FileResponse(
        stream, content_type=content_type, as_attachment=not attachment.is_image,
        filename=download_name(original_name=attachment.original_name, content_type=attachment.content_type),
    )
    # Even if a browser ignored the type, the file could run nothing and reach nothing.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_POST
def report_move_view(request, pk: int):
    """From the incident page: one report into another incident, or into one of its own."""
    report = selectors.report_get(user=request.user, report_id=pk)
    back = redirect("incidents:detail", report.incident_id)
    form = ReportMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose where to move the report.")
        return back
    try:
        moved = services.report_move(report_id=pk, to_incident_id=form.cleaned_data["incident"], actor=request.user)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.detail)
        return back
    messages.success(request, f"WTF-{pk} is now in INC-{moved.incident_id}.")
    return back
