from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.accounts.access import user_access
from apps.core.errors import DomainError, PermissionDenied
from apps.forensics.selectors import input_checks
from apps.incidents.selectors import incident_list
from apps.replays.selectors import replays_for_report
from apps.replays.services import replay_start

from . import selectors, services
from .forms import ReportForm
from .models import Channel


@login_required
def report_list_view(request):
    return render(request, "reports/report_list.html", {"reports": selectors.report_list(user=request.user)[:200]})


def _attach_errors(form: ReportForm, error: DomainError) -> None:
    field_names = set(form.fields)
    for key, messages_ in error.errors.items():
        field = key.split(".", 1)[0]
        prefix = f"{key.split('.', 1)[1]}: " if "." in key else ""
        for message in messages_:
            form.add_error(field if field in field_names else None, prefix + message)
    form.add_error(None, error.detail)


@login_required
def report_create_view(request):
    form = ReportForm(request.POST or None)
    schema_mismatch = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = data["model_version"]
        optional = {key: data[key] for key in ("features", "output") if data[key] is not None}
        try:
            report = services.report_create(
                reporter=request.user, model_name=version.model.name, model_version=version.version,
                prediction_id=data["prediction_id"] or None, title=data["title"], expected=data["expected"],
                description=data["description"], channel=Channel.FORM,
                allow_schema_mismatch=data["allow_schema_mismatch"], **optional,
            )
        except DomainError as error:
            schema_mismatch = any(key.startswith("features.") for key in error.errors)
            _attach_errors(form, error)
        else:
            messages.success(request, f"Thank you — your report WTF-{report.pk} is filed. Here is its page.")
            return redirect(report)
    return render(request, "reports/report_form.html", {"form": form, "schema_mismatch": schema_mismatch},
                  status=400 if form.errors else 200)


@login_required
def report_detail_view(request, pk: int):
    report = selectors.report_get(user=request.user, report_id=pk)
    can_work = user_access(request.user).can_work_on_team(report.model.team_id)
    replays = replays_for_report(user=request.user, report_id=report.pk) if can_work else []
    return render(request, "reports/report_detail.html", {
        "report": report,
        "can_work": can_work,
        "incident_visible": incident_list(user=request.user).filter(pk=report.incident_id).exists(),
        "checks": input_checks(model_version=report.model_version, features=report.features),
        "replays": replays,
        "replay_pending": any(not replay.is_finished for replay, _ in replays),
    })


@login_required
@require_POST
def report_replay_view(request, pk: int):
    report = selectors.report_get(user=request.user, report_id=pk)
    try:
        replay_start(actor=request.user, model_version=report.model_version, reports=[report])
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
    else:
        messages.info(request, "Replay started.")
    return redirect(report)
