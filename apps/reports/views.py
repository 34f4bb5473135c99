from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe
from rest_framework.exceptions import AuthenticationFailed

from apps.accounts.authentication import ApiTokenAuthentication
from apps.core.errors import DomainError, NotFound, PermissionDenied
from apps.core.listing import LIST_PAGE_SIZE, filters_from_form, list_page
from apps.core.problems import problem_json_response
from apps.predictions.selectors import prediction_preview
from apps.registry.selectors import model_version_by_id

from . import selectors, services
from .attachments import download_name, upload_request_check
from .forms import ReportFilterForm, ReportForm, ReportMoveForm
from .models import Channel
from .my_reports import my_report_rows, my_reports


@login_required
def report_list_view(request):
    form = ReportFilterForm(request.GET or None, models=selectors.report_filter_models(user=request.user))
    filters, filtered = filters_from_form(form, selectors.ReportFilters)
    context = list_page(request, selectors.report_list_filtered(user=request.user, filters=filters),
                        per_page=LIST_PAGE_SIZE)
    context.update(form=form, filtered=filtered)
    return render(request, "reports/report_list.html", context)


@login_required
def my_reports_view(request):
    """Each report the person filed, with its incident's status in their words."""
    context = list_page(request, my_reports(user=request.user), per_page=LIST_PAGE_SIZE)
    context["rows"] = my_report_rows(context["page"])
    return render(request, "reports/my_reports.html", context)


# Service error keys that the form names differently.
_FORM_FIELD_FOR = {"file": "screenshot"}


def _attach_errors(form: ReportForm, error: DomainError) -> None:
    field_names = set(form.fields)
    for key, messages_ in error.errors.items():
        field = key.split(".", 1)[0]
        field = _FORM_FIELD_FOR.get(field, field)
        prefix = f"{key.split('.', 1)[1]}: " if "." in key else ""
        for message in messages_:
            form.add_error(field if field in field_names else None, prefix + message)
    form.add_error(None, error.detail)


@login_required
def report_create_view(request):
    if request.method == "POST":
        upload_request_check(content_length=request.META.get("CONTENT_LENGTH"))
    form = ReportForm(request.POST or None, request.FILES or None)
    schema_mismatch = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = data["model_version"]
        optional = {key: data[key] for key in ("features", "output") if data[key] is not None}
        try:
            # One transaction: a refused screenshot files nothing, so the person fixes it and sends
            # the whole form again instead of ending up with a half-filed report.
            with transaction.atomic():
                report = services.report_create(
                    reporter=request.user, model_name=version.model.name, model_version=version.version,
                    prediction_id=data["prediction_id"] or None, title=data["title"], expected=data["expected"],
                    description=data["description"], channel=Channel.FORM,
                    allow_schema_mismatch=data["allow_schema_mismatch"], **optional,
                )
                if data["screenshot"]:
                    services.report_attachment_add(report=report, upload=data["screenshot"], actor=request.user)
        except DomainError as error:
            schema_mismatch = (any(key.startswith("features.") for key in error.errors)
                               or error.errors.get("features") == [services.LOGGED_SCHEMA_MISMATCH])
            _attach_errors(form, error)
        else:
            messages.success(request, f"Thank you — your report WTF-{report.pk} is filed. Here is its page.")
            return redirect(report)
    return render(request, "reports/report_form.html", {"form": form, "schema_mismatch": schema_mismatch},
                  status=400 if form.errors else 200)


@login_required
@require_safe
def report_prediction_preview_view(request):
    """Whether the inference log holds an id, shown on the form before the report is filed.
    Anyone who may file sees when it was logged and what the model answered; only the owning
    team sees the logged inputs (prediction_preview decides)."""
    prediction_id = request.GET.get("prediction_id", "").strip()[:200]
    version = model_version_by_id(request.GET.get("model_version", ""))
    if version is None or not prediction_id:
        return render(request, "reports/_prediction_preview.html",
                      {"message": "Choose the model first, then type the prediction id."}, status=400)
    try:
        preview = prediction_preview(user=request.user, model=version.model, prediction_id=prediction_id)
    except DomainError as error:
        return render(request, "reports/_prediction_preview.html", {"message": error.detail}, status=404)
    return render(request, "reports/_prediction_preview.html", {"preview": preview})


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
