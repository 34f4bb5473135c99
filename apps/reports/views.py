import json
from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
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
from apps.registry.selectors import model_list, model_version_by_id, model_version_list
from apps.replays.forms import ExpectedOutcomeForm
from apps.replays.selectors import expected_outcome_of, replays_for_report
from apps.replays.services import replay_start

from . import selectors, services
from .attachments import download_name
from .candidates import prediction_candidates
from .forms import ReportFilterForm, ReportMoveForm


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
