import re
import uuid

from django.shortcuts import render

from .errors import DomainError, NotFound, PermissionDenied
from .request_context import end_request, start_request

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class RefuseNulCharactersMiddleware:
    """A NUL character in the URL or query string is refused with a 400. PostgreSQL cannot hold
    one in a text value, so a lookup by it (`?model=%00`) was a 500 there and a 404 on SQLite;
    the JSON parser refuses NUL in bodies for the same reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        in_query = any("\x00" in key or any("\x00" in value for value in values)
                       for key, values in request.GET.lists())
        if "\x00" in request.path_info or in_query:
            from .views import bad_request  # imported here: at module level it is a circular import

            return bad_request(request, "The URL must not contain NUL characters (%00).")
        return self.get_response(request)


class RequestIdMiddleware:
    """Gives every request an id of the server's own, stored with its audit events and sent back
    in X-Request-ID so a user can quote it in a bug report. A caller's own X-Request-ID (a proxy
    or bot may set one) is kept beside it, when well formed, and echoed in X-Client-Request-ID:
    callers choose theirs freely, so two requests may carry the same one and it cannot be the
    id that tells requests apart."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        client_request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else ""
        request_id = uuid.uuid4().hex
        request.request_id = request_id
        request.client_request_id = client_request_id
        context = start_request(request_id, client_request_id)
        try:
            response = self.get_response(request)
        finally:
            end_request(context)
        response["X-Request-ID"] = request_id
        if client_request_id:
            response["X-Client-Request-ID"] = client_request_id
        return response


class DomainErrorPageMiddleware:
    """Pages call the same services as the API; a service error that a page did not handle
    itself becomes a readable 404 or 400 page instead of a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            return render(request, "404.html", {"detail": exception.detail}, status=404)
        if isinstance(exception, PermissionDenied):
            return render(request, "403.html", {"detail": exception.detail}, status=403)
        if isinstance(exception, DomainError):
            return render(request, "400.html", {"detail": exception.detail}, status=exception.status)
        return None
