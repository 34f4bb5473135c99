"""Starting a post-mortem, saving its own sections (with the "changed by X since you opened
it" conflict page), measuring impact, moving it through review, and its timeline."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError, PreconditionFailed
from apps.core.page_actions import errors_onto_form, page_action

from .. import forms, selectors, services
from ..models import Section
from ..page_context import SECTIONS
from ._common import form_data, form_put_back, posted_put_back, render_editor, run_action


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

    def act() -> str:
        data = form_data(form)
        saved = services.postmortem_update(incident_id=pk, actor=request.user, expected_version=data["version"],
                                           base=form.opened_with(), **form.changes())
        merged = saved.version > data["version"] + 1 and saved.updated_by_id == request.user.pk
        others = " Others had saved other parts since you opened it; their changes are kept." if merged else ""
        return f"{dict(Section.choices)[section]} saved.{others}"

    def refused(error: DomainError) -> HttpResponse:
        if isinstance(error, PreconditionFailed):
            return _conflict(request, pk, section, form, error)
        errors_onto_form(form, error)
        postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
        detail = error.detail

        def with_error(context: dict[str, Any]) -> None:
            context["form_error"] = detail
            put_back(context)

        return render_editor(request, postmortem, section, status=error.status, adjust=with_error)

    back = reverse("postmortems:editor", args=[pk]) + f"?section={following if 'continue' in request.POST else section}"
    return page_action(request, act, back=back, refused=refused)


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
    clashing = error.extra.get("fields") or form.field_names
    differences = [{"name": name, "label": form.fields[name].label, "theirs": _shown(getattr(current, name)),
                    "yours": _shown(yours.get(name))}
                   for name in clashing if _shown(getattr(current, name)) != _shown(yours.get(name))]
    data = request.POST.copy()
    data["version"] = str(current.version)
    data["base"] = type(form).base_of(current)
    again = type(form)(data)
    again.is_valid()

    def adjust(context: dict[str, Any]) -> None:
        context["section_forms"][section] = again
        context["conflict"] = {"changed_by": error.extra.get("changed_by", "someone"), "detail": error.detail,
                               "differences": differences}

    return render_editor(request, current, section, status=409, adjust=adjust)


@login_required
@require_POST
def impact_measure_view(request, pk: int):
    def act() -> str:
        postmortem = services.postmortem_measure_impact(incident_id=pk, actor=request.user)
        return (f"Measured from the inference log: {postmortem.affected_predictions or 0:,} predictions"
                f"{f', {postmortem.affected_users:,} users' if postmortem.affected_users is not None else ''}.")

    return run_action(request, pk, section=Section.IMPACT, act=act)


@login_required
@require_POST
def transition_view(request, pk: int):
    form = forms.TransitionForm(request.POST)

    def act() -> str:
        data = form_data(form)
        postmortem = services.postmortem_transition(incident_id=pk, actor=request.user, to=data["to"],
                                                    note=data["note"])
        return f"The post-mortem is now {postmortem.get_status_display().lower()}."

    section = request.POST.get("section") if request.POST.get("section") in SECTIONS else Section.SUMMARY
    return run_action(request, pk, section=section, act=act, anchor="review-panel",
                      on_error=posted_put_back(request, "transition_data"))


# --- Timeline --------------------------------------------------------------------------------

@login_required
@require_POST
def timeline_add_view(request, pk: int):
    form = forms.TimelineEntryForm(request.POST)

    def act() -> str:
        data = form_data(form)
        services.timeline_entry_add(incident_id=pk, actor=request.user, at=data["at"], text=data["text"])
        return "Timeline entry added."

    return run_action(request, pk, section=Section.TIMELINE, act=act, anchor="timeline-add",
                      on_error=form_put_back("timeline_form", form))


@login_required
@require_POST
def timeline_delete_view(request, pk: int, entry_id: int):
    def act() -> str:
        services.timeline_entry_delete(incident_id=pk, entry_id=entry_id, actor=request.user)
        return "Timeline entry removed."

    return run_action(request, pk, section=Section.TIMELINE, act=act)
