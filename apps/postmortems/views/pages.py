"""The pages that read: the guided editor, the print view, the Markdown export, and the
review-meeting screen with the revision and fragments it polls."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from apps.core.errors import DomainError
from apps.core.page_actions import shown_on_page

from .. import selectors
from ..export import postmortem_markdown
from ..page_context import SECTIONS, postmortem_page, section_or_first
from ._common import render_editor

# What the meeting screen may ask for, to swap in place.
FRAGMENTS = (*SECTIONS, "review")


@login_required
@require_safe
def editor_view(request, pk: int):
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    return render_editor(request, postmortem, section_or_first(request.GET.get("section")))


@login_required
@require_safe
def print_view(request, pk: int):
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    context = postmortem_page(user=request.user, postmortem=postmortem, section=SECTIONS[0], read_only=True)
    return render(request, "postmortems/print.html", context)


@login_required
@require_safe
def export_markdown_view(request, pk: int):
    try:
        postmortem = selectors.postmortem_get_for_export(user=request.user, incident_id=pk)
    except DomainError as error:
        return render(request, "400.html", {"detail": shown_on_page(error).detail}, status=error.status)
    text = postmortem_markdown(user=request.user, postmortem=postmortem, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="postmortem-INC-{postmortem.incident_id}.md"'
    return response


@login_required
@require_safe
@never_cache
def revision_view(request, pk: int):
    """What the meeting screen polls every two seconds: a number that changes whenever anything
    in the post-mortem does, and who presents the meeting on which slide (what screens follow)."""
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    presenter = selectors.meeting_presenter(user=request.user, postmortem=postmortem)
    return JsonResponse({"revision": selectors.postmortem_revision(postmortem=postmortem), "status": postmortem.status,
                         "presenter": presenter.as_json() if presenter else None})


@login_required
@require_safe
@never_cache
def fragment_view(request, pk: int, section: str):
    """One section (or the review panel) as the meeting screen shows it, to swap in place."""
    if section not in FRAGMENTS:
        raise Http404("No such section.")
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    context = postmortem_page(user=request.user, postmortem=postmortem, section=section_or_first(section))
    template = "postmortems/_review.html" if section == "review" else f"postmortems/sections/_{section}.html"
    response = render(request, template, {**context, "meeting": True})
    response["X-Revision"] = str(context["revision"])
    return response


@login_required
@require_safe
def meeting_agenda_view(request):
    return render(request, "postmortems/meeting_agenda.html",
                  {"agenda": selectors.postmortem_agenda_entries(user=request.user)})


@login_required
@require_safe
def meeting_view(request, pk: int):
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    context = postmortem_page(user=request.user, postmortem=postmortem, section=SECTIONS[0])
    agenda = list(selectors.postmortem_agenda(user=request.user).values_list("incident_id", flat=True)[:100])
    following = agenda[agenda.index(pk) + 1] if pk in agenda and agenda.index(pk) + 1 < len(agenda) else None
    return render(request, "postmortems/meeting.html", {**context, "meeting": True, "next_on_agenda": following})
