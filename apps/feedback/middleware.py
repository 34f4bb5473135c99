"""Cross-origin access for the feedback widget, and only for it.

A product page on another site posts to `POST /api/v1/feedback/?key=mli_pk_…`. The key is in
the query string because a browser's preflight (`OPTIONS`) carries the URL but no credentials:
that is the only way to check the key's own origin list before the browser sends the body
(Sentry's browser SDK puts its public key in the URL for the same reason).

- The origin must be on the key's list, on the preflight and on the request itself (a
  multipart form post needs no preflight). Otherwise: 403, and no CORS headers, so the
  browser does not let the page read even the refusal.
- A publishable key anywhere else (in the query or in `Authorization`) is refused with 403:
  it is public, so it must open nothing but this one door.

django-cors-headers decides by origin alone (a global list, or a signal without the key); a
per-key list needs the key, so this small middleware does the job for the one endpoint."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from apps.core.problems import problem_json_response

from .selectors import publishable_key_authenticate
from .services import PUBLISHABLE_PREFIX

ALLOWED_HEADERS = "Content-Type, Idempotency-Key"
PREFLIGHT_MAX_AGE_SECONDS = 600
_feedback_path = SimpleLazyObject(lambda: reverse("api-feedback"))


def publishable_key_sent(request: HttpRequest) -> str | None:
    """The publishable key a request carries, in `?key=` or as `Authorization: Token|Bearer …`."""
    query = request.GET.get("key", "")
    if query.startswith(PUBLISHABLE_PREFIX):
        return query
    parts = request.headers.get("Authorization", "").split()
    if len(parts) == 2 and parts[0].lower() in ("token", "bearer") and parts[1].startswith(PUBLISHABLE_PREFIX):
        return parts[1]
    return None


def _refused(status: int, detail: str) -> HttpResponse:
    slug = "forbidden" if status == 403 else "not-authenticated"
    title = "Forbidden" if status == 403 else "Not authenticated"
    return problem_json_response(status_code=status, title=title, detail=detail, slug=slug)


class WidgetCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        secret = publishable_key_sent(request)
        if secret is None:
            return self.get_response(request)
        if request.path != str(_feedback_path):
            return _refused(403, f"A publishable key only sends feedback from the widget (POST {_feedback_path}). "
                                 "Use an API token (Authorization: Token <key>) here.")
        key = publishable_key_authenticate(secret)
        if key is None:
            return _refused(401, "This publishable key is unknown or was revoked: ask the model's team for a "
                                 "current one (Tokens page).")
        origin = request.headers.get("Origin")
        if not key.allows_origin(origin):
            where = f"from {origin[:100]}" if origin else "without an Origin header (not from a browser page)"
            return _refused(403, f"This publishable key is not valid {where}: the model's team lists the sites "
                                 "the widget may run on, on the Tokens page.")
        if request.method == "OPTIONS":
            if request.headers.get("Access-Control-Request-Method", "").upper() != "POST":
                return _refused(403, "The widget only sends feedback with POST.")
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "POST"
            response["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
        else:
            # The feedback view reads the checked key from here (PublishableKeyAuthentication).
            request.publishable_key = key
            response = self.get_response(request)
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "Origin"]))
        return response
