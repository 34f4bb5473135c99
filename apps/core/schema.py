"""OpenAPI documentation of the problem+json errors (contract). Every API view can answer
them, so they are added to each operation here instead of on every view; a view documents
only the errors that are its own (409 on an illegal transition, 422 on a reused key)."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.mixins import ListModelMixin

from .problems import PROBLEM_CONTENT_TYPE


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details. Some problems add members of their own (e.g. an illegal
    transition lists `allowed_transitions`)."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text='Messages per field, e.g. `"features.age": ["Expected a number."]`.')


_ANY_OPERATION = {
    401: "Not authenticated: send `Authorization: Token <key>`.",
    403: "Authenticated, but not allowed to do this.",
}
# Answered by the web server (gunicorn's limit_request_line) before the app sees the request,
# so as plain HTML rather than problem+json; documented so a client knows to expect it.
_URI_TOO_LONG = {"414": {"description": "The URL is longer than the web server accepts (no JSON body)."}}
_WITH_BODY = {
    400: "Invalid input: `errors` lists what to fix, per field.",
    413: "The request body is larger than the server accepts.",
    415: "The body is not in a format this operation reads (JSON).",
}
_NOT_FOUND = {404: "No such object, or you may not see it (or no such page of results)."}
_BAD_PAGE = {400: "The `page` parameter is not a page number."}
_THROTTLED = {429: "Too many requests from this client or address; `Retry-After` says when to try again."}


def problem_responses(descriptions: dict[int, str]) -> dict:
    """`extend_schema(responses=...)` entries for problems, served as application/problem+json."""
    return {(status, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=description)
            for status, description in descriptions.items()}


class ProblemAutoSchema(AutoSchema):
    def _problem_statuses(self) -> dict[int, str]:
        statuses = dict(_ANY_OPERATION)
        if self.method in ("POST", "PUT", "PATCH"):
            statuses |= _WITH_BODY
        paginated = self.method == "GET" and isinstance(self.view, ListModelMixin) and self.view.pagination_class
        if "{" in self.path or paginated:
            statuses |= _NOT_FOUND
        if paginated:
            statuses |= _BAD_PAGE
        # The intake throttles count writes only (apps.core.throttling).
        if self.method in ("POST", "PUT", "PATCH", "DELETE") and getattr(self.view, "throttle_classes", None):
            statuses |= _THROTTLED
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, response in responses.items():
            # A view that documents an error by its description alone still answers problem+json.
            if status.startswith("4") and status not in _URI_TOO_LONG and "content" not in response:
                response["content"] = self._get_response_for_code(
                    ProblemSerializer, status, media_types=[PROBLEM_CONTENT_TYPE], direction=direction,
                )["content"]
        for status, description in self._problem_statuses().items():
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(
                    OpenApiResponse(ProblemSerializer, description=description), str(status),
                    media_types=[PROBLEM_CONTENT_TYPE], direction=direction,
                )
        for status, response in _URI_TOO_LONG.items():
            responses.setdefault(status, dict(response))
        return responses
