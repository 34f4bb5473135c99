"""The post-mortem pages: the guided editor, the review-meeting screen with its live
fragments, the printable view and the Markdown export. Each POST view parses a small form,
calls one service and goes back where the person was; a service's refusal is shown on the
page (or answered as JSON to the meeting screen's fetch), never a server error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from apps.actions import services as action_services
from apps.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied, PreconditionFailed

from . import forms, selectors, services
from .export import postmortem_markdown
from .models import Postmortem, Section, WhyStatus
from .page_context import SECTIONS, postmortem_page, section_or_first

FRAGMENTS = (*SECTIONS, "review")


def _is_fetch(request) -> bool:
    """The meeting screen's controls post with fetch and want JSON, not a page."""
    return request.headers.get("X-Requested-With") == "fetch"


def _valid(form) -> dict[str, Any]:
    if not form.is_valid():
        errors = {name: [str(message) for message in errors] for name, errors in form.errors.items()}
        summary = "; ".join(f"{(form.fields[name].label if name in form.fields else None) or name}: "
                            f"{' '.join(messages_)}"
                            for name, messages_ in errors.items())
        raise InvalidInput(f"Check the form — {summary}", errors=errors)
    return form.cleaned_data


def _back(request, pk: int, section: str, anchor: str = ""):
    if request.POST.get("return_to") == "meeting":
        return redirect(reverse("postmortems:meeting", args=[pk]) + f"#{section}")
    url = reverse("postmortems:editor", args=[pk]) + f"?section={section}"
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _render_editor(request, postmortem: Postmortem, section: str, *, status: int = 200,
                   adjust: Callable[[dict[str, Any]], None] | None = None):
    context = postmortem_page(user=request.user, postmortem=postmortem, section=section)
    if adjust is not None:
        adjust(context)
    return render(request, "postmortems/editor.html", context, status=status)


def _run(request, pk: int, *, section: str, act: Callable[[], str], anchor: str = "",
         on_error: Callable[[DomainError], Callable[[dict[str, Any]], None]] | None = None):
    """Runs `act` (which calls a service and returns what to tell the person) and answers: JSON
    for fetch, otherwise back to the page. On a refusal the editor is shown again with what
    the person typed (`on_error` puts it back into the context), so nothing is lost."""
    try:
        message = act()
    except DomainError as error:
        if _is_fetch(request):
            return JsonResponse({"ok": False, "detail": error.detail, "errors": error.errors}, status=error.status)
        if isinstance(error, (NotFound, PermissionDenied)):
            raise
        if on_error is None or request.POST.get("return_to") == "meeting":
            messages.error(request, error.detail)
            return _back(request, pk, section, anchor)
        postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
        adjust, detail = on_error(error), error.detail

        def with_error(context: dict[str, Any]) -> None:
            context["form_error"] = detail
            adjust(context)

        return _render_editor(request, postmortem, section, status=error.status, adjust=with_error)
    if _is_fetch(request):
        revision = selectors.postmortem_get(user=request.user, incident_id=pk).revision
        return JsonResponse({"ok": True, "message": message, "revision": revision})
    messages.success(request, message)
    return _back(request, pk, section, anchor)


def _with_errors(form, error: DomainError):
    """Puts a service's per-field messages onto the form that was posted."""
    form.is_valid()  # a form has its error list only once it is cleaned
    for name, field_messages in error.errors.items():
        for message in field_messages:
            if name in form.fields and message not in form.errors.get(name, []):
                form.add_error(name, message)
    return form


# --- Pages -----------------------------------------------------------------------------------

@login_required
@require_safe
def editor_view(request, pk: int):
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    return _render_editor(request, postmortem, section_or_first(request.GET.get("section")))


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
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        return render(request, "400.html", {"detail": error.detail}, status=error.status)
    text = postmortem_markdown(user=request.user, postmortem=postmortem, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="postmortem-INC-{postmortem.incident_id}.md"'
    return response


@login_required
@require_safe
@never_cache
def revision_view(request, pk: int):
    """What the meeting screen polls every two seconds: a number that changes whenever anything
    in the post-mortem does."""
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    return JsonResponse({"revision": postmortem.revision, "status": postmortem.status})


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
    response["X-Revision"] = str(postmortem.revision)
    return response


@login_required
@require_safe
def meeting_agenda_view(request):
    return render(request, "postmortems/meeting_agenda.html",
                  {"agenda": selectors.postmortem_agenda(user=request.user)[:100]})


@login_required
@require_safe
def meeting_view(request, pk: int):
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    context = postmortem_page(user=request.user, postmortem=postmortem, section=SECTIONS[0])
    agenda = list(selectors.postmortem_agenda(user=request.user).values_list("incident_id", flat=True)[:100])
    following = agenda[agenda.index(pk) + 1] if pk in agenda and agenda.index(pk) + 1 < len(agenda) else None
    return render(request, "postmortems/meeting.html", {**context, "meeting": True, "next_on_agenda": following})


# --- Starting, and the post-mortem's own fields ------------------------------------------------

@login_required
@require_POST
def start_view(request, pk: int):
    postmortem, created = services.postmortem_start(incident_id=pk, actor=request.user)
    if created:
        messages.success(request, "The post-mortem is started. Begin with the facts: what is known for certain.")
    return redirect("postmortems:editor", pk)


@login_required
@require_POST
def section_save_view(request, pk: int, section: str):
    form_class = forms.SECTION_FORMS.get(section)
    if form_class is None:
        raise Http404("That section has no text of its own to save.")
    selectors.postmortem_get_for_work(user=request.user, incident_id=pk)
    form = form_class(request.POST)
    following = SECTIONS[SECTIONS.index(section) + 1] if SECTIONS.index(section) + 1 < len(SECTIONS) else section

    def put_back(context: dict[str, Any]) -> None:
        context["section_forms"][section] = form

    try:
        data = _valid(form)
        services.postmortem_update(incident_id=pk, actor=request.user, expected_version=data["version"],
                                   **form.changes())
    except PreconditionFailed as error:
        return _conflict(request, pk, section, form, error)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        _with_errors(form, error)
        postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
        detail = error.detail

        def with_error(context: dict[str, Any]) -> None:
            context["form_error"] = detail
            put_back(context)

        return _render_editor(request, postmortem, section, status=error.status, adjust=with_error)
    messages.success(request, f"{dict(Section.choices)[section]} saved.")
    return redirect(reverse("postmortems:editor", args=[pk])
                    + f"?section={following if 'continue' in request.POST else section}")


def _shown(value: Any) -> str:
    if value is None or value == "":
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="minutes")
    return str(value)


def _conflict(request, pk: int, section: str, form, error: PreconditionFailed):
    """Someone saved since this form was opened: show their text next to this person's, keep
    this person's in the form, and let them save again from the current version — nothing is
    lost and nothing is overwritten without them seeing it."""
    current = selectors.postmortem_get(user=request.user, incident_id=pk)
    yours = form.cleaned_data if hasattr(form, "cleaned_data") else {}
    differences = [{"name": name, "label": form.fields[name].label, "theirs": _shown(getattr(current, name)),
                    "yours": _shown(yours.get(name))}
                   for name in form.field_names if _shown(getattr(current, name)) != _shown(yours.get(name))]
    data = request.POST.copy()
    data["version"] = str(current.version)
    again = type(form)(data)
    again.is_valid()

    def adjust(context: dict[str, Any]) -> None:
        context["section_forms"][section] = again
        context["conflict"] = {"changed_by": error.extra.get("changed_by", "someone"), "detail": error.detail,
                               "differences": differences}

    return _render_editor(request, current, section, status=409, adjust=adjust)


@login_required
@require_POST
def impact_measure_view(request, pk: int):
    def act() -> str:
        postmortem = services.postmortem_measure_impact(incident_id=pk, actor=request.user)
        return (f"Measured from the inference log: {postmortem.affected_predictions or 0:,} predictions"
                f"{f', {postmortem.affected_users:,} users' if postmortem.affected_users is not None else ''}.")

    return _run(request, pk, section=Section.IMPACT, act=act)


@login_required
@require_POST
def transition_view(request, pk: int):
    form = forms.TransitionForm(request.POST)

    def act() -> str:
        data = _valid(form)
        postmortem = services.postmortem_transition(incident_id=pk, actor=request.user, to=data["to"],
                                                    note=data["note"])
        return f"The post-mortem is now {postmortem.get_status_display().lower()}."

    section = request.POST.get("section") if request.POST.get("section") in SECTIONS else Section.SUMMARY
    return _run(request, pk, section=section, act=act, anchor="review-panel",
                on_error=lambda error: lambda context: context.update(transition_data=request.POST))


# --- Timeline --------------------------------------------------------------------------------

@login_required
@require_POST
def timeline_add_view(request, pk: int):
    form = forms.TimelineEntryForm(request.POST)

    def act() -> str:
        data = _valid(form)
        services.timeline_entry_add(incident_id=pk, actor=request.user, at=data["at"], text=data["text"])
        return "Timeline entry added."

    return _run(request, pk, section=Section.TIMELINE, act=act, anchor="timeline-add",
                on_error=lambda error: lambda context: context.update(timeline_form=_with_errors(form, error)))


@login_required
@require_POST
def timeline_delete_view(request, pk: int, entry_id: int):
    def act() -> str:
        services.timeline_entry_delete(incident_id=pk, entry_id=entry_id, actor=request.user)
        return "Timeline entry removed."

    return _run(request, pk, section=Section.TIMELINE, act=act)


# --- The why-tree ----------------------------------------------------------------------------

def _node_failure(node_id: int | None, action: str, data) -> Callable[[DomainError], Callable]:
    def on_error(error: DomainError) -> Callable[[dict[str, Any]], None]:
        def adjust(context: dict[str, Any]) -> None:
            for node in context["nodes"]:
                if node.pk == node_id:
                    node.failure = {"action": action, "detail": error.detail, "data": data}
        return adjust
    return on_error


@login_required
@require_POST
def why_add_view(request, pk: int):
    form = forms.WhyNodeForm(request.POST)
    parent_id = form.data.get("parent") or None

    def act() -> str:
        data = _valid(form)
        node = services.why_node_add(incident_id=pk, actor=request.user, parent_id=data["parent"],
                                     question=data["question"], answer=data["answer"],
                                     how_to_check=data["how_to_check"])
        return f"Hypothesis #{node.pk} added. Now check it: can it be true? How could you find out?"

    def on_error(error: DomainError) -> Callable[[dict[str, Any]], None]:
        if parent_id and str(parent_id).isdigit():
            return _node_failure(int(parent_id), "child", request.POST)(error)
        return lambda context: context.update(why_form=_with_errors(form, error))

    return _run(request, pk, section=Section.WHYS, act=act, anchor="why-tree", on_error=on_error)


@login_required
@require_POST
def why_decide_view(request, pk: int, node_id: int):
    form = forms.WhyDecisionForm(request.POST)

    def act() -> str:
        data = _valid(form)
        node = services.why_node_decide(incident_id=pk, node_id=node_id, actor=request.user, status=data["status"],
                                        note=data["note"])
        if node.status == WhyStatus.PROPOSED:
            return f"Hypothesis #{node.pk} is unchecked again."
        return f"Hypothesis #{node.pk} is {node.status}."

    return _run(request, pk, section=Section.WHYS, act=act, anchor=f"why-{node_id}",
                on_error=_node_failure(node_id, "decide", request.POST))


@login_required
@require_POST
def why_evidence_view(request, pk: int, node_id: int):
    from apps.incidents.evidence import incident_evidence_list

    evidence = incident_evidence_list(user=request.user, incident_id=pk)
    form = forms.WhyEvidenceForm(request.POST, evidence_choices=evidence)

    def act() -> str:
        data = _valid(form)
        services.why_node_update(incident_id=pk, node_id=node_id, actor=request.user,
                                 evidence_ids=data["evidence"], evidence_note=data["evidence_note"])
        return f"Evidence of hypothesis #{node_id} saved."

    return _run(request, pk, section=Section.WHYS, act=act, anchor=f"why-{node_id}",
                on_error=_node_failure(node_id, "evidence", request.POST))


@login_required
@require_POST
def why_delete_view(request, pk: int, node_id: int):
    def act() -> str:
        services.why_node_delete(incident_id=pk, node_id=node_id, actor=request.user)
        return f"Hypothesis #{node_id} removed."

    return _run(request, pk, section=Section.WHYS, act=act, anchor="why-tree")


# --- Action points and comments ----------------------------------------------------------------

@login_required
@require_POST
def action_propose_view(request, pk: int):
    form = forms.ActionItemForm(request.POST)

    def act() -> str:
        data = _valid(form)
        item = action_services.action_item_propose(incident_id=pk, actor=request.user, **data)
        return f"Action point AI-{item.pk} proposed: a reviewer accepts or rejects it."

    return _run(request, pk, section=Section.ACTIONS, act=act, anchor="action-add",
                on_error=lambda error: lambda context: context.update(action_form=_with_errors(form, error)))


@login_required
@require_POST
def action_review_view(request, pk: int, item_id: int):
    # The item must belong to this post-mortem: the URL names both.
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    if not postmortem.action_items.filter(pk=item_id).exists():
        raise NotFound(f"The post-mortem of INC-{pk} has no action item {item_id}.")
    form = forms.ActionReviewForm(request.POST)

    def act() -> str:
        data = _valid(form)
        item = action_services.action_item_review(item_id=item_id, actor=request.user, decision=data["decision"],
                                                  reason=data["reason"])
        return f"Action point AI-{item.pk} {item.review_state}."

    def on_error(error: DomainError) -> Callable[[dict[str, Any]], None]:
        def adjust(context: dict[str, Any]) -> None:
            for item in context["action_items"]:
                if item.pk == item_id:
                    item.failure = {"detail": error.detail, "data": request.POST}
        return adjust

    return _run(request, pk, section=Section.ACTIONS, act=act, anchor=f"action-{item_id}", on_error=on_error)


@login_required
@require_POST
def comment_add_view(request, pk: int):
    form = forms.CommentForm(request.POST)
    section = request.POST.get("section") if request.POST.get("section") in SECTIONS else SECTIONS[0]

    def act() -> str:
        data = _valid(form)
        services.review_comment_add(incident_id=pk, actor=request.user, section=data["section"], body=data["body"],
                                    why_node_id=data["why_node"], action_item_id=data["action_item"])
        return "Comment added."

    return _run(request, pk, section=section, act=act, anchor=f"comments-{section}",
                on_error=lambda error: lambda context: context.update(comment_data=request.POST))
