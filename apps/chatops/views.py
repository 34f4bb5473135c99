"""The slash-command endpoints. They are not DRF views: chat platforms authenticate by a
signature (Slack) or a shared token (Mattermost), not by our API keys."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from slack_sdk.signature import SignatureVerifier

from apps.core.problems import problem_json_response
from apps.reports.models import Channel

from .services import ChatCommand, chat_command_handle

logger = logging.getLogger(__name__)

MAX_TEXT = 4000


def _unauthorized(detail: str) -> JsonResponse:
    return problem_json_response(status_code=401, title="Not authenticated", detail=detail, slug="not-authenticated")


def _not_configured(name: str) -> JsonResponse:
    return problem_json_response(status_code=503, title="Not configured", slug="not-configured",
                                 detail=f"This integration is off: set {name} on the server to turn it on.")


def _command(request: HttpRequest, platform: str) -> ChatCommand | JsonResponse:
    form = request.POST
    text = form.get("text", "")
    if len(text) > MAX_TEXT:
        return problem_json_response(status_code=400, title="Invalid input", slug="invalid-input",
                                     detail=f"The command text is longer than {MAX_TEXT} characters.")
    if "\x00" in text:
        return problem_json_response(status_code=400, title="Invalid input", slug="invalid-input",
                                     detail="The command text contains a NUL character.")
    return ChatCommand(platform=platform, text=text, command=form.get("command", "/wtf")[:50],
                       user_id=form.get("user_id", ""), user_name=form.get("user_name", ""),
                       channel_name=form.get("channel_name", "")[:100], channel_id=form.get("channel_id", "")[:100],
                       team_id=form.get("team_id", "")[:100], trigger_id=form.get("trigger_id", "")[:200],
                       response_url=form.get("response_url", "")[:500])


def _answer(request: HttpRequest, platform: str) -> JsonResponse:
    command = _command(request, platform)
    if isinstance(command, JsonResponse):
        return command
    return JsonResponse(chat_command_handle(command=command))


@csrf_exempt
@require_POST
def slack_command_view(request: HttpRequest) -> JsonResponse:
    """Verified with Slack's v0 signature over the raw body; older than 5 minutes is refused,
    so a captured request cannot be replayed later."""
    secret = settings.SLACK_SIGNING_SECRET
    if not secret:
        return _not_configured("SLACK_SIGNING_SECRET")
    verifier = SignatureVerifier(secret)
    if not verifier.is_valid(body=request.body, timestamp=request.headers.get("X-Slack-Request-Timestamp"),
                             signature=request.headers.get("X-Slack-Signature")):
        logger.warning("Refused a Slack command with a bad or stale signature")
        return _unauthorized("The Slack signature is missing, wrong or older than 5 minutes.")
    return _answer(request, Channel.SLACK)


@csrf_exempt
@require_POST
def mattermost_command_view(request: HttpRequest) -> JsonResponse:
    """Verified by the slash command's token, sent in the form and as `Authorization: Token …`."""
    expected = settings.MATTERMOST_TOKEN
    if not expected:
        return _not_configured("MATTERMOST_TOKEN")
    header = request.headers.get("Authorization", "")
    sent = header[len("Token "):] if header.startswith("Token ") else request.POST.get("token", "")
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        logger.warning("Refused a Mattermost command with a wrong token")
        return _unauthorized("The Mattermost token is missing or wrong.")
    return _answer(request, Channel.MATTERMOST)
