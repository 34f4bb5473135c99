"""What audit events need to know about the request being served (its id, and the API token
it came with) without every function passing them along."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RequestContext:
    request_id: str = ""  # made by the server for each request: unique
    client_request_id: str = ""  # the caller's X-Request-ID, kept beside it: callers' ids can collide
    token_label: str = ""  # "name (prefix…)" of the API token, when one was used


_context: ContextVar[RequestContext | None] = ContextVar("request_context", default=None)


def current_request_context() -> RequestContext:
    return _context.get() or RequestContext()


def current_request_id() -> str:
    return current_request_context().request_id


def start_request(request_id: str, client_request_id: str = ""):
    return _context.set(RequestContext(request_id=request_id, client_request_id=client_request_id))


def end_request(token) -> None:
    _context.reset(token)


def note_token(label: str) -> None:
    context = _context.get()
    if context is not None:
        context.token_label = label[:150]


