"""Audit events as sentences a person reads ("sam confirmed why #3 of the post-mortem"),
instead of event codes (`postmortem.why_decide`). One table for every page that shows
history: the audit trail, the incident's and the post-mortem's timelines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from apps.core.humanize import value as human_value

from .models import AuditEvent

_REFERENCE = {
    "incidents.incident": "INC-{id}",
    "reports.report": "WTF-{id}",
    "actions.actionitem": "AI-{id}",
    "postmortems.postmortem": "post-mortem #{id}",
    "replays.replay": "replay #{id}",
    "registry.model": "model {label}",
    "registry.modelversion": "version {label}",
    "accounts.team": "team {label}",
    "accounts.apitoken": "an API key",
}


def event_target(event: AuditEvent) -> str:
    """The object an event is about, as people name it: INC-12, WTF-40, AI-3."""
    pattern = _REFERENCE.get(event.target_type)
    if pattern is None:
        return event.target_label or f"{event.target_type.rsplit('.', 1)[-1]} #{event.target_id}"
    return pattern.format(id=event.target_id, label=event.target_label or event.target_id)


def _status(event: AuditEvent, what: str) -> str:
    old, new = (event.old or {}).get("status"), (event.new or {}).get("status")
    words = {"in_review": "in review", "in_progress": "in progress", "wont_do": "won't do"}
    old, new = words.get(old, old), words.get(new, new)
    return f"moved {what} from {old} to {new}" if old else f"moved {what} to {new}"


def _fields(event: AuditEvent, what: str) -> str:
    names = sorted(set(event.new or {}) | set(event.old or {}))
    names = [name.replace("_", " ") for name in names if name not in {"version", "updated_at"}]
    return f"changed {', '.join(names)} of {what}" if names else f"edited {what}"


def _why(event: AuditEvent) -> str:
    node = (event.new or {}).get("why_node") or (event.old or {}).get("why_node")
    return f"why #{node}" if node else "a why"


_SENTENCES: dict[str, Callable[[AuditEvent, str], str]] = {
    "incident.open": lambda e, t: f"opened {t}",
    "incident.transition": lambda e, t: _status(e, t),
    "incident.update": lambda e, t: _fields(e, t),
    "incident.merge": lambda e, t: f"merged INC-{(e.new or {}).get('merged', '?')} into {t}",
    "incident.regression": lambda e, t: f"reopened {t} as a regression"
    + (f" (WTF-{e.new['report']} on version {e.new.get('model_version', '?')})" if (e.new or {}).get("report")
       else ""),
    "incident.evidence_add": lambda e, t: f"added evidence to {t}",
    "incident.fold": lambda e, t: f"folded {t} into INC-{(e.new or {}).get('merged_into', '?')}: its only report "
    "moved there when its inputs arrived",
    "report.create": lambda e, t: f"filed {t}",
    "report.move": lambda e, t: f"moved {t} from INC-{(e.old or {}).get('incident', '?')}"
    + (f" to INC-{e.new['incident']}" if (e.new or {}).get("incident") else ""),
    "report.attachment_add": lambda e, t: f"attached a file to {t}",
    "report.link_prediction": lambda e, t: f"linked prediction {(e.new or {}).get('prediction_id', '?')} to {t}",
    "report.assign_model": lambda e, t: f"sorted {t} to the model {(e.new or {}).get('model', '?')}",
    "report.expectation_set": lambda e, t: f"recorded the expected outcome of {t}",
    "report.expectation_clear": lambda e, t: f"removed the expected outcome of {t}",
    "report.forensics_request": lambda e, t: f"asked for the forensics of {t} again",
    "replay.start": lambda e, t: f"started {t}",
    "postmortem.start": lambda e, t: f"started {t}",
    "postmortem.update": lambda e, t: _fields(e, t),
    "postmortem.transition": lambda e, t: _status(e, t),
    "postmortem.why_add": lambda e, t: f"asked {_why(e)} in {t}",
    "postmortem.why_update": lambda e, t: f"edited {_why(e)} in {t}",
    "postmortem.why_decide": lambda e, t: f"{(e.new or {}).get('status', 'decided')} {_why(e)} in {t}",
    "postmortem.why_delete": lambda e, t: f"removed {_why(e)} from {t}",
    "postmortem.timeline_add": lambda e, t: f"added a timeline entry to {t}",
    "postmortem.timeline_delete": lambda e, t: f"removed a timeline entry from {t}",
    "postmortem.comment": lambda e, t: f"commented on {t}",
    "action_item.propose": lambda e, t: f"proposed {t}",
    "action_item.review": lambda e, t: f"{(e.new or {}).get('review_state', 'reviewed')} {t}",
    "action_item.transition": lambda e, t: _status(e, t),
    "action_item.update": lambda e, t: _fields(e, t),
    "action_item.comment": lambda e, t: f"commented on {t}",
    "action_item.export_request": lambda e, t: f"asked to export {t} to the tracker",
    "action_item.export": lambda e, t: f"exported {t} to the tracker",
    "webhook_delivery.resend": lambda e, t: "sent a webhook delivery again",
    "feedback.give": lambda e, t: "gave feedback on a prediction",
    "model.create": lambda e, t: f"registered {t}",
    "model_version.register": lambda e, t: f"registered {t}",
    "model.assign_team": lambda e, t: f"changed the team that owns {t}",
    "model.tolerance_set": lambda e, t: f"changed the replay tolerance of {t}",
    "model.set_redaction": lambda e, t: f"changed which features of {t} are redacted",
    "model.set_retention": lambda e, t: f"changed how long {t} keeps its inference log",
    "api_token.create": lambda e, t: "created an API key",
    "api_token.revoke": lambda e, t: "revoked an API key",
    "publishable_key.create": lambda e, t: "created a feedback-widget key",
    "publishable_key.revoke": lambda e, t: "revoked a feedback-widget key",
    "account.settings": lambda e, t: "changed their notification settings",
    "bot_account.create": lambda e, t: f"created the bot account {(e.new or {}).get('username', '')}".rstrip(),
    "team.create": lambda e, t: f"created {t}",
    "team.member_set": lambda e, t: f"changed a membership of {t}",
    "team.member_remove": lambda e, t: f"removed a member from {t}",
    "triager.add": lambda e, t: f"named {(e.new or {}).get('user', 'someone')} a triager of the Unsorted inbox",
    "triager.remove": lambda e, t: f"stopped {(e.old or {}).get('user', 'someone')} triaging the Unsorted inbox",
    "surface.add": lambda e, t: f"added the product surface {t}",
    "surface.update": lambda e, t: f"changed the product surface {t}",
    "surface.remove": lambda e, t: f"removed the product surface {(e.old or {}).get('name', '')}".rstrip(),
    "drift_report.request": lambda e, t: "asked for a drift report",
}


def event_phrase(event: AuditEvent) -> str:
    """What happened, without who: "moved INC-4 from open to triaged"."""
    target = event_target(event)
    phrase = _SENTENCES.get(event.action)
    if phrase is None:  # an action without a sentence yet still reads as words, not a code
        verb = event.action.rsplit(".", 1)[-1].replace("_", " ")
        return f"{verb} {target}"
    return phrase(event, target)


def event_sentence(event: AuditEvent) -> str:
    """Who did what: "sam moved INC-4 from open to triaged"; the tracker when nobody did."""
    return f"{event.actor_label or 'The tracker'} {event_phrase(event)}"


def change_summary(data: dict[str, Any] | None) -> str:
    """An event's old or new values as "status: open, severity: high"."""
    if not data:
        return ""
    return ", ".join(f"{key.replace('_', ' ')}: {human_value(item)}" for key, item in data.items())
