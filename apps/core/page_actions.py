"""One way for a page's POST to answer a service's refusal. A page view calls one service; when
the service refuses (a DomainError), what the person sees depends only on the kind of refusal:

- "no such thing" and "not yours to change" (NotFound, PermissionDenied) are not the page's to
  explain: they propagate, and the DomainError middleware answers the 404 / 403 page (the same
  answer as a GET of something one may not see);
- any other refusal is shown on the page: by default as an error message after going back where
  the person was, or by the view's own answer (the page again with the form as typed, an htmx
  partial with the reason).

Every page view that catches a DomainError goes through `page_action` (or, when it must catch
the refusal itself, `shown_on_page`), so no view repeats the `except (NotFound,
PermissionDenied): raise` block."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from .errors import DomainError, NotFound, PermissionDenied


def is_fetch(request: HttpRequest) -> bool:
    """A page's script posting with fetch (the meeting screen's controls) wants JSON, not a page."""
    return request.headers.get("X-Requested-With") == "fetch"


def shown_on_page(error: DomainError) -> DomainError:
    """`error` if a page shows it; re-raises the refusals the middleware answers as the 404 or
    403 page. For a view that must catch the refusal itself (to show it next to a form)."""
    if isinstance(error, (NotFound, PermissionDenied)):
        raise error
    return error


def page_action(request: HttpRequest, act: Callable[[], str], *, back: str,
                refused: Callable[[DomainError], HttpResponse] | None = None,
                refused_message: Callable[[DomainError], str] | None = None,
                done: Callable[[str], HttpResponse] | None = None,
                fetch_json: bool = False) -> HttpResponse:
    """Runs `act` (it calls one service and returns what to tell the person, or "" for nothing)
    and answers the page:

    - done: `done(message)` if given, otherwise the message and a redirect to `back`;
    - refused: with `fetch_json` and a fetch request, `{"ok": false, "detail", "errors"}` with
      the error's status (whatever the refusal: a script has no 404 page to show); NotFound and
      PermissionDenied propagate (the 404 / 403 page); otherwise `refused(error)` if given, or
      the error (`refused_message(error)`, by default its detail) and a redirect to `back`."""
    try:
        message = act()
    except DomainError as error:
        if fetch_json and is_fetch(request):
            return JsonResponse({"ok": False, "detail": error.detail, "errors": error.errors}, status=error.status)
        shown_on_page(error)
        if refused is not None:
            return refused(error)
        messages.error(request, refused_message(error) if refused_message else error.detail)
        return redirect(back)
    if done is not None:
        return done(message)
    if message:
        messages.success(request, message)
    return redirect(back)


def errors_onto_form(form: Any, error: DomainError, *, others_as_non_field: bool = False,
                     detail_if_none: bool = False) -> Any:
    """Puts a service's per-field messages onto the form that was posted, each once. Messages
    for a name the form has no field for are dropped (the page shows the error's detail next to
    the form) or, with `others_as_non_field`, become non-field errors; with `detail_if_none`, a
    refusal naming no field shows its detail as the form's non-field error."""
    form.is_valid()  # a form has its error list only once it is cleaned
    for name, field_messages in error.errors.items():
        target = name if name in form.fields else None
        if target is None and not others_as_non_field:
            continue
        for message in field_messages:
            if message not in form.errors.get(target or "__all__", []):
                form.add_error(target, message)
    if detail_if_none and not error.errors:
        form.add_error(None, error.detail)
    return form
