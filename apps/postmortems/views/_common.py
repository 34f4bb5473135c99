"""What every post-mortem page view shares: parsing a small form, running one service
and answering the page (or the meeting screen's fetch) with its outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied

from .. import selectors
from ..models import Postmortem
from ..page_context import postmortem_page


def is_fetch(request) -> bool:
    """The meeting screen's controls post with fetch and want JSON, not a page."""
    return request.headers.get("X-Requested-With") == "fetch"


def form_data(form) -> dict[str, Any]:
    if not form.is_valid():
        errors = {name: [str(message) for message in errors] for name, errors in form.errors.items()}
        summary = "; ".join(f"{(form.fields[name].label if name in form.fields else None) or name}: "
                            f"{' '.join(messages_)}"
                            for name, messages_ in errors.items())
        raise InvalidInput(f"Check the form — {summary}", errors=errors)
    return form.cleaned_data


def back_to_page(request, pk: int, section: str, anchor: str = ""):
    if request.POST.get("return_to") == "meeting":
        return redirect(reverse("postmortems:meeting", args=[pk]) + f"#{section}")
    url = reverse("postmortems:editor", args=[pk]) + f"?section={section}"
    return redirect(url + (f"#{anchor}" if anchor else ""))


def render_editor(request, postmortem: Postmortem, section: str, *, status: int = 200,
                   adjust: Callable[[dict[str, Any]], None] | None = None):
    context = postmortem_page(user=request.user, postmortem=postmortem, section=section)
    if adjust is not None:
        adjust(context)
    return render(request, "postmortems/editor.html", context, status=status)


def run_action(request, pk: int, *, section: str, act: Callable[[], str], anchor: str = "",
         on_error: Callable[[DomainError], Callable[[dict[str, Any]], None]] | None = None):
    """Runs `act` (which calls a service and returns what to tell the person) and answers: JSON
    for fetch, otherwise back to the page. On a refusal the editor is shown again with what
    the person typed (`on_error` puts it back into the context), so nothing is lost."""
    try:
        message = act()
    except DomainError as error:
        if is_fetch(request):
            return JsonResponse({"ok": False, "detail": error.detail, "errors": error.errors}, status=error.status)
        if isinstance(error, (NotFound, PermissionDenied)):
            raise
        if on_error is None or request.POST.get("return_to") == "meeting":
            messages.error(request, error.detail)
            return back_to_page(request, pk, section, anchor)
        postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
        adjust, detail = on_error(error), error.detail

        def with_error(context: dict[str, Any]) -> None:
            context["form_error"] = detail
            adjust(context)

        return render_editor(request, postmortem, section, status=error.status, adjust=with_error)
    if is_fetch(request):
        revision = selectors.postmortem_revision(
            postmortem=selectors.postmortem_get(user=request.user, incident_id=pk))
        return JsonResponse({"ok": True, "message": message, "revision": revision})
    messages.success(request, message)
    return back_to_page(request, pk, section, anchor)


def with_errors(form, error: DomainError):
    """Puts a service's per-field messages onto the form that was posted."""
    form.is_valid()  # a form has its error list only once it is cleaned
    for name, field_messages in error.errors.items():
        for message in field_messages:
            if name in form.fields and message not in form.errors.get(name, []):
                form.add_error(name, message)
    return form
