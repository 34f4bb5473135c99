from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from mlincidents.celery import app as celery_app

from .problems import problem_json_response


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _database_ok() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        return f"database: {exc.__class__.__name__}"
    return None


def _broker_ok() -> str | None:
    if celery_app.conf.task_always_eager or str(celery_app.conf.broker_url).startswith("memory://"):
        return None  # the embedded default runs tasks in-process: there is no broker to wait for
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception as exc:  # kombu raises many kinds of errors for an unreachable broker
        # Named by its transport ("redis"), never by its URL, which may hold a password.
        transport = str(celery_app.conf.broker_url).split("://", 1)[0]
        return f"broker ({transport}): {exc.__class__.__name__}"
    return None


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    down = {name: reason for name, reason in checks.items() if reason}
    if down:
        return JsonResponse({"status": "unavailable", "down": sorted(down), "reasons": down}, status=503)
    return JsonResponse({"status": "ok", "checks": sorted(checks)})


def page_not_found(request: HttpRequest, exception=None):
    if request.path.startswith("/api/"):
        return problem_json_response(
            status_code=404, title="Not found", detail=f"There is no API endpoint at {request.path}.",
            slug="not-found",
        )
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest):
    if request.path.startswith("/api/"):
        return problem_json_response(
            status_code=500, title="Server error",
            detail="Something went wrong on our side; the error was logged. Quote the X-Request-ID header.",
            slug="server-error",
        )
    return render(request, "500.html", status=500)


def bad_request(request: HttpRequest, exception=None):
    if request.path.startswith("/api/") or request.path.startswith("/integrations/"):
        return problem_json_response(
            status_code=400, title="Bad request", detail=str(exception) or "The request was malformed.",
            slug="bad-request",
        )
    return render(request, "400.html", status=400)
