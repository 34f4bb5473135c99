"""The review meeting's presenter endpoint: the presenting screen posts each slide it moves to
(the others learn it from the revision they poll), or that it stops presenting."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.core.problems import PROBLEM_CONTENT_TYPE, problem

from .. import selectors, services


@login_required
@require_POST
def presenter_view(request, pk: int):
    """`section=<slide>` moves the presenter's slide (with `take_over=1`: starts presenting, taking
    over from whoever presented), `stop=1` stops. Answers the presenter as the revision endpoint
    does; a refusal is problem+json saying what to fix."""
    try:
        if request.POST.get("stop"):
            services.postmortem_stop_presenting(incident_id=pk, actor=request.user)
        else:
            services.postmortem_present(incident_id=pk, actor=request.user,
                                        section=request.POST.get("section", "").strip(),
                                        take_over=bool(request.POST.get("take_over")))
    except DomainError as error:
        body = problem(status_code=error.status, title=error.title, detail=error.detail, slug=error.slug,
                       errors=error.errors or None, **error.extra)
        return JsonResponse(body, status=error.status, content_type=PROBLEM_CONTENT_TYPE)
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    presenter = selectors.meeting_presenter(user=request.user, postmortem=postmortem)
    return JsonResponse({"presenter": presenter.as_json() if presenter else None})
