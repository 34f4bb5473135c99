"""The pages a report is filed and completed from: the report form with its Look it up, and
what is learnt afterwards — the logged prediction the team links, the model a triager assigns."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from apps.core.errors import DomainError, NotFound, PermissionDenied
from apps.core.page_actions import shown_on_page
from apps.predictions.selectors import prediction_models_for_id, prediction_preview
from apps.registry.models import Model
from apps.registry.selectors import model_list, model_version_by_id, surface_list

from . import selectors, services
from .attachments import upload_request_check
from .forms import POINTER_CONTEXT_KEYS, POINTER_KINDS, ReportForm
from .models import Channel

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
@require_POST
def report_link_prediction_view(request, pk: int):
    """"Link this prediction" on a report whose inputs are missing (the model's team)."""
    report = selectors.report_get(user=request.user, report_id=pk)
    try:
        services.report_prediction_link(report_id=report.pk, prediction_id=request.POST.get("prediction_id", ""),
                                        actor=request.user)
    except DomainError as error:
        shown_on_page(error)  # 404 / 403: the middleware's page
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
