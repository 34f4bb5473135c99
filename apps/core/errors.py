"""Errors raised by services. They carry what a caller needs to answer a person: an HTTP
status for the API, a title, a sentence saying what to fix, and per-field messages."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    title = "Invalid request"
    slug = "invalid-request"

    def __init__(self, detail: str, *, errors: dict[str, list[str]] | None = None, extra: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}
        self.extra = extra or {}


class InvalidInput(DomainError):
    status = 400
    title = "Invalid input"
    slug = "invalid-input"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    slug = "not-found"


class TooLarge(DomainError):
    status = 413
    title = "Payload too large"
    slug = "payload-too-large"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    slug = "conflict"


class IllegalTransition(Conflict):
    title = "Transition not allowed"
    slug = "illegal-transition"

    def __init__(self, *, entity: str, current: str, target: str, allowed: list[str]):
        allowed_text = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"{entity} cannot move from '{current}' to '{target}'. Allowed from '{current}': {allowed_text}.",
            extra={"current": current, "allowed_transitions": allowed},
        )
        self.current = current
        self.target = target
        self.allowed = allowed


class PermissionDenied(DomainError):
    """The caller may see the object but not do this to it. (Objects they may not see at
    all answer NotFound, so that ids do not leak what exists.)"""

    status = 403
    title = "Permission denied"
    slug = "permission-denied"


class PreconditionFailed(DomainError):
    """An edit based on a stale copy (If-Match with an old ETag): answering 412 with the
    current state lets the client show what changed instead of overwriting it."""

    status = 412
    title = "Changed since you read it"
    slug = "precondition-failed"


class PreconditionRequired(DomainError):
    status = 428
    title = "If-Match required"
    slug = "precondition-required"
