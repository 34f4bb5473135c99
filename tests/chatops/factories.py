"""Reports filed from a chat, through the real signed command (so each has its ChatOrigin,
`report.chat_origin`, as the view records it)."""

from __future__ import annotations

from apps.reports.models import Report
from tests.chatops.helpers import slack, slack_form


def filed_from_slack(text: str, **form_fields) -> Report:
    """The report a `/wtf <text>` Slack command files; `form_fields` as for `slack_form`.
    Wrap the call in `django_capture_on_commit_callbacks(execute=True)` to run what the
    command schedules after its commit (replays, the follow-up)."""
    response = slack(slack_form(text, **form_fields))
    assert response.status_code == 200, response.content
    return Report.objects.select_related("chat_origin").latest("pk")
