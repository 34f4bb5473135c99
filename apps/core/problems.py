"""RFC 9457 problem details for every API error (contract): `type`, `title`, `status`,
`detail` and, for validation errors, `errors` with the messages per field."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from .errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://mlincidents.dev/problems/"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


def problem(*, status_code: int, title: str, detail: str, slug: str, errors: dict | None = None, **extra: Any) -> dict:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status_code,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body


def _flatten_errors(data: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF nests errors like its serializers; a bot wants `"features.age": ["..."]`."""
    flat: dict[str, list[str]] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten_errors(value, name))
    elif isinstance(data, list) and data and all(isinstance(item, str) for item in data):
        flat[prefix or "non_field_errors"] = [str(item) for item in data]
    elif isinstance(data, list):
        for index, item in enumerate(data):
            if item:
                flat.update(_flatten_errors(item, f"{prefix}[{index}]" if prefix else f"[{index}]"))
    elif data is not None:
        flat[prefix or "non_field_errors"] = [str(data)]
    return flat


def _summary(errors: dict[str, list[str]]) -> str:
    parts = [f"{field}: {messages[0]}" for field, messages in list(errors.items())[:3]]
    more = len(errors) - 3
    text = "; ".join(parts)
    if more > 0:
        text += f" (and {more} more)"
    return f"Fix these fields and send again — {text}"


def _slug(code: str) -> str:
    return code.replace("_", "-")


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(
            "The request body is larger than the server accepts; send fewer rows per request."
        )
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    elif isinstance(exc, (Http404, ObjectDoesNotExist)):
        exc = exceptions.NotFound("No such object, or you may not see it.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, DomainError):
        body = problem(
            status_code=exc.status, title=exc.title, detail=exc.detail, slug=exc.slug,
            errors=exc.errors or None, **exc.extra,
        )
        return _problem_response(body, exc.status)

    # Imported here: rest_framework.views loads the parser classes, and apps.core.parsers imports
    # this module, so a module-level import made `apps.core.problems` unimportable on its own.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None

    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten_errors(exc.detail)
        body = problem(
            status_code=response.status_code, title="Invalid input", detail=_summary(errors),
            slug="invalid-input", errors=errors,
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = getattr(exc, "default_code", "error")
        if isinstance(detail, (list, dict)):
            errors = _flatten_errors(detail)
            body = problem(status_code=response.status_code, title=str(code).replace("_", " ").capitalize(),
                           detail=_summary(errors), slug=_slug(code), errors=errors)
        else:
            body = problem(
                status_code=response.status_code,
                title=str(code).replace("_", " ").capitalize(),
                detail=str(detail),
                slug=_slug(code),
            )
    new = _problem_response(body, response.status_code)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            new[header] = response[header]
    return new


def _problem_response(body: dict, status_code: int) -> Response:
    response = Response(body, status=status_code)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_json_response(*, status_code: int, title: str, detail: str, slug: str) -> JsonResponse:
    """For errors raised outside DRF views (unknown /api/ URLs, server errors)."""
    return JsonResponse(
        problem(status_code=status_code, title=title, detail=detail, slug=slug),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )
