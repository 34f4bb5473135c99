"""The model page and its regression-suite button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.accounts.access import require_work_on_model
from apps.core.errors import DomainError, PermissionDenied
from apps.registry.selectors import model_get, model_version_by_id
from apps.replays.selectors import reports_for_batch
from apps.replays.services import replay_start

from ..selectors.model import model_page
from ._render import render_page


@login_required
def model_detail_view(request: HttpRequest, name: str) -> HttpResponse:
    """A model: its versions, its charts, what its inference log says and, for the owning team,
    the recent predictions and the regression suite."""
    return render_page(request, "pages/model_detail.html", model_page(user=request.user, name=name))


@login_required
@require_POST
def model_suite_run_view(request: HttpRequest, name: str) -> HttpResponse:
    """**Run the suite on version …**: the same replay as `replay_suite` (every resolved case with
    an expected outcome), queued for a worker; its page shows the progress."""
    model = model_get(name=name)
    require_work_on_model(actor=request.user, model=model, action="run its regression suite")
    version = model_version_by_id(request.POST.get("model_version", ""), model=model)
    if version is None:
        messages.error(request, f"Choose one of the versions of {model.name} to run the suite on.")
        return redirect("registry:detail", name=model.name)
    cases = reports_for_batch(user=request.user, model=model, suite="resolved")
    if not cases:
        messages.error(request, "The suite has no cases yet: it holds the reports of resolved incidents that have "
                                "an expected outcome.")
        return redirect("registry:detail", name=model.name)
    try:
        replay = replay_start(actor=request.user, model_version=version, reports=cases, suite=True)
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("registry:detail", name=model.name)
    messages.info(request, f"The suite runs on version {version.version}: {len(cases)} case"
                           f"{'' if len(cases) == 1 else 's'}.")
    return redirect("replays:detail", pk=replay.pk)
