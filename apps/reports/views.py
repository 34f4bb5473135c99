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
from apps.core.page_actions import shown_on_page
from apps.core.problems import problem_json_response

from . import selectors, services
from .attachments import download_name
from .forms import ReportFilterForm, ReportMoveForm
from .my_reports import my_report_rows, my_reports


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
def my_reports_view(request):
    """Each report the person filed, with its incident's status in their words."""
    context = list_page(request, my_reports(user=request.user), per_page=LIST_PAGE_SIZE)
    context["rows"] = my_report_rows(context["page"])
    return render(request, "reports/my_reports.html", context)


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
    except DomainError as error:
        shown_on_page(error)  # 404 / 403: the middleware's page
        messages.error(request, error.detail)
        return back
    messages.success(request, f"WTF-{pk} is now in INC-{moved.incident_id}.")
    return back
