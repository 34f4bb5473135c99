"""Slash commands as Slack and Mattermost send them: a form body, signed with Slack's v0
signature (Mattermost is verified by its token instead)."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from django.test import Client

# The secrets of the test settings (mlincidents/settings/test.py).
SLACK_SECRET = "test-slack-signing-secret"
MATTERMOST_TOKEN = "test-mattermost-token"


def slack_form(text: str, **extra) -> str:
    """The body of a `/wtf <text>` command typed by "ada" in #ml-wtf; `extra` replaces or adds fields."""
    return urlencode({"token": "legacy-ignored", "team_id": "T1", "channel_name": "ml-wtf", "user_id": "U42",
                      "user_name": "ada", "command": "/wtf", "text": text, "trigger_id": "13345224609.738",
                      "response_url": "https://hooks.slack.com/commands/1234/5678", **extra})


def slack_signature(body: str, timestamp: int, secret: str = SLACK_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slack(body: str, *, timestamp: int | None = None, signature: str | None = None):
    """Posts `body` to the Slack command endpoint, signed now (or as told)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return Client().post("/integrations/slack/commands/", data=body,
                         content_type="application/x-www-form-urlencoded",
                         HTTP_X_SLACK_REQUEST_TIMESTAMP=str(timestamp),
                         HTTP_X_SLACK_SIGNATURE=signature or slack_signature(body, timestamp))
