"""What every post-mortem page view shares: parsing a small form, running one service
and answering the page (or the meeting screen's fetch) with its outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.core.errors import DomainError, InvalidInput
from apps.core.page_actions import errors_onto_form, is_fetch, page_action

from .. import selectors
from ..models import Postmortem
from ..page_context import postmortem_page


def form_data(form) -> dict[str, Any]:
    if not form.is_valid():
        errors = {name: [str(message) for message in errors] for name, errors in form.errors.items()}
        summary = "; ".join(f"{(form.fields[name].label if name in form.fields else None) or name}: "
                            f"{' '.join(messages_)}"
                            for name, messages_ in errors.items())
        raise InvalidInput(f"Check the form — {summary}", errors=errors)
    return form.cleaned_data


def back_url(request, pk: int, section: str, anchor: str = "") -> str:
    if request.POST.get("return_to") == "meeting":
        return reverse("postmortems:meeting", args=[pk]) + f"#{section}"
    url = reverse("postmortems:editor", args=[pk]) + f"?section={section}"
    return url + (f"#{anchor}" if anchor else "")


def render_editor(request, postmortem: Postmortem, section: str, *, status: int = 200,
                   adjust: Callable[[dict[str, Any]], None] | None = None):
    context = postmortem_page(user=request.user, postmortem=postmortem, section=section)
    if adjust is not None:
        adjust(context)
    return render(request, "postmortems/editor.html", context, status=status)


def run_action(request, pk: int, *, section: str, act: Callable[[], str], anchor: str = "",
               on_error: Callable[[DomainError], Callable[[dict[str, Any]], None]] | None = None):
    """Runs `act` (which calls a service and returns what to tell the person) and answers, as
    every page POST does (`page_action`): JSON for the meeting screen's fetch, otherwise back to
    the page. On a refusal the editor is shown again with what the person typed (`on_error`
    puts it back into the context), so nothing is lost."""
    back = back_url(request, pk, section, anchor)

    def refused(error: DomainError) -> HttpResponse:
        postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
        adjust, detail = on_error(error), error.detail

        def with_error(context: dict[str, Any]) -> None:
            context["form_error"] = detail
            adjust(context)

        return render_editor(request, postmortem, section, status=error.status, adjust=with_error)

    def done(message: str) -> HttpResponse:
        if is_fetch(request):
            revision = selectors.postmortem_revision(
                postmortem=selectors.postmortem_get(user=request.user, incident_id=pk))
            return JsonResponse({"ok": True, "message": message, "revision": revision})
        messages.success(request, message)
        return redirect(back)

    # From the meeting screen, a refusal goes back to the meeting as a message: it has no forms to refill.
    shows_form = on_error is not None and request.POST.get("return_to") != "meeting"
    return page_action(request, act, back=back, refused=refused if shows_form else None, done=done, fetch_json=True)


def form_put_back(name: str, form) -> Callable[[DomainError], Callable[[dict[str, Any]], None]]:
    """`on_error` for a view whose form is shown again as posted (under `name` in the page's
    context), with the service's messages on its fields."""
    return lambda error: lambda context: context.update({name: errors_onto_form(form, error)})


def posted_put_back(request, name: str) -> Callable[[DomainError], Callable[[dict[str, Any]], None]]:
    """`on_error` for a view whose template refills its fields from the POST (under `name`)."""
    return lambda error: lambda context: context.update({name: request.POST})


def run_form_action(request, pk: int, form, *, service: Callable[..., Any], said: Callable[[Any], str], section: str,
                    anchor: str, form_name: str):
    """`run_action` for a form whose cleaned data are the service's arguments: the service gets
    them with the incident and the actor, `said` words what it returned; a refusal shows the form
    again as posted (under `form_name`)."""
    def act() -> str:
        return said(service(incident_id=pk, actor=request.user, **form_data(form)))

    return run_action(request, pk, section=section, act=act, anchor=anchor, on_error=form_put_back(form_name, form))
