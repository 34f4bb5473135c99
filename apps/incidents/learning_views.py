"""Pages and in-place (htmx) answers for learning across incidents: tags on an incident, people's
marks on similar-incident suggestions, and the tag list (counts, and merging for admins). htmx
gets the card back to swap; without JavaScript, a message and the incident page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.access import user_access
from apps.core.errors import DomainError, PermissionDenied
from apps.core.page_actions import shown_on_page

from . import selectors
from .similarity import similar_incidents, similarity_mark
from .tags import incident_tag_add, incident_tag_remove, incident_tags, tag_counts, tag_merge, tag_suggestions


def _tags_card(request, incident_id: int, *, error: str = "", status: int = 200):
    incident = selectors.incident_get(user=request.user, incident_id=incident_id)
    context = {"incident": incident, "tags": incident_tags(incident_ids=[incident.pk])[incident.pk],
               "can_tag": selectors.incident_can_work(user=request.user, incident=incident),
               "tag_error": error, "tag_suggestions": tag_suggestions(user=request.user, limit=30)}
    return render(request, "incidents/_tags.html", context, status=status)


def _answer(request, incident_id: int, card, *, message: str = "", error: str = "", anchor: str):
    if request.htmx:
        return card(request, incident_id, error=error, status=400 if error else 200)
    if error:
        messages.error(request, error)
    elif message:
        messages.success(request, message)
    return redirect(reverse("incidents:detail", args=[incident_id]) + anchor)


@login_required
@require_POST
def incident_tag_add_view(request, pk: int):
    try:
        tag = incident_tag_add(incident_id=pk, actor=request.user, name=request.POST.get("name", ""))
    except DomainError as error:
        shown_on_page(error)  # 404 / 403: the middleware's page
        return _answer(request, pk, _tags_card, error=error.detail, anchor="#tags")
    return _answer(request, pk, _tags_card, message=f"Tagged “{tag.name}”.", anchor="#tags")


@login_required
@require_POST
def incident_tag_remove_view(request, pk: int, tag_id: int):
    incident_tag_remove(incident_id=pk, actor=request.user, tag_id=tag_id)
    return _answer(request, pk, _tags_card, message="Tag removed.", anchor="#tags")


def _similar_card(request, incident_id: int, *, error: str = "", status: int = 200):
    incident = selectors.incident_get(user=request.user, incident_id=incident_id)
    context = {"incident": incident, "similar": similar_incidents(user=request.user, incident=incident),
               "can_mark": selectors.incident_can_work(user=request.user, incident=incident), "similar_error": error}
    return render(request, "incidents/_similar.html", context, status=status)


@login_required
@require_POST
def incident_similar_mark_view(request, pk: int):
    """`other` (an incident id) and `verdict`: "similar", "not_similar", or "" to forget the mark."""
    other = request.POST.get("other", "")
    if not other.isdigit():
        return _answer(request, pk, _similar_card, error="Choose the incident to mark.", anchor="#similar")
    verdict = request.POST.get("verdict") or None
    try:
        similarity_mark(incident_id=pk, other_id=int(other), actor=request.user, verdict=verdict)
    except DomainError as error:
        shown_on_page(error)  # 404 / 403: the middleware's page
        return _answer(request, pk, _similar_card, error=error.detail, anchor="#similar")
    words = {"similar": "marked similar", "not_similar": "marked not similar"}.get(verdict or "", "no longer marked")
    return _answer(request, pk, _similar_card, message=f"INC-{other} is {words}.", anchor="#similar")


@login_required
def tag_list_view(request):
    """Tags in use with the number of incidents (that the viewer may see) carrying each; admins
    merge near-duplicates here."""
    counts = tag_counts(user=request.user)
    return render(request, "incidents/tag_list.html", {"tag_rows": counts,
                                                       "can_merge": user_access(request.user).is_admin})


@login_required
@require_POST
def tag_merge_view(request):
    source, into = request.POST.get("source", ""), request.POST.get("into", "")
    if not (source.isdigit() and into.isdigit()):
        messages.error(request, "Choose the tag to merge and the tag to keep.")
        return redirect("incidents:tags")
    try:
        kept = tag_merge(actor=request.user, source_id=int(source), into_id=int(into))
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("incidents:tags")
    messages.success(request, f"Merged into “{kept.name}”: its incidents carry “{kept.name}” now, and the old "
                              "name is an alias of it.")
    return redirect("incidents:tags")
