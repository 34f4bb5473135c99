"""Audit events as sentences a person reads ("sam confirmed why #3 in the post-mortem of INC-6"),
instead of event codes (`postmortem.why_decide`). One table for every page that shows
history: the audit trail, the incident's and the post-mortem's timelines."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from apps.core.humanize import value as human_value

from .actions import AuditAction
from .models import AuditEvent

_REFERENCE = {
    "incidents.incident": "INC-{id}",
    "reports.report": "WTF-{id}",
    "actions.actionitem": "AI-{id}",
    "replays.replay": "replay #{id}",
    "registry.model": "model {label}",
    "registry.modelversion": "version {label}",
    "accounts.team": "team {label}",
    "accounts.apitoken": "an API key",
}

# A post-mortem's label is what it was called when the event was written: "Post-mortem of
# INC-6" (its incident never changes). People know a post-mortem by its incident, not by its own
# number, which no page shows.
_POSTMORTEM_LABEL = re.compile(r"^Post-mortem of (INC-\d+)$")


def event_target(event: AuditEvent) -> str:
    """The object an event is about, as people name it: INC-12, WTF-40, AI-3, the post-mortem of INC-6."""
    if event.target_type == "postmortems.postmortem":
        incident = _POSTMORTEM_LABEL.match(event.target_label or "")
        return f"the post-mortem of {incident[1]}" if incident else f"post-mortem #{event.target_id}"
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


def _change(event: AuditEvent) -> str:
    kind, model = (event.new or {}).get("kind"), (event.new or {}).get("model")
    return f"recorded a {kind + ' ' if kind else ''}change" + (f" to the model {model}" if model else "")


_SENTENCES: dict[AuditAction, Callable[[AuditEvent, str], str]] = {
    AuditAction.INCIDENT_OPEN: lambda e, t: f"opened {t}",
    AuditAction.INCIDENT_TRANSITION: lambda e, t: _status(e, t),
    AuditAction.INCIDENT_UPDATE: lambda e, t: _fields(e, t),
    AuditAction.INCIDENT_MERGE: lambda e, t: f"merged INC-{(e.new or {}).get('merged', '?')} into {t}",
    AuditAction.INCIDENT_REGRESSION: lambda e, t: f"reopened {t} as a regression"
    + (f" (WTF-{e.new['report']} on version {e.new.get('model_version', '?')})" if (e.new or {}).get("report")
       else ""),
    AuditAction.INCIDENT_EVIDENCE_ADD: lambda e, t: f"added evidence to {t}",
    AuditAction.INCIDENT_FOLD:
        lambda e, t: f"folded {t} into INC-{(e.new or {}).get('merged_into', '?')}: its only report "
        "moved there when its inputs arrived",
    AuditAction.REPORT_CREATE: lambda e, t: f"filed {t}",
    AuditAction.REPORT_MOVE: lambda e, t: f"moved {t} from INC-{(e.old or {}).get('incident', '?')}"
    + (f" to INC-{e.new['incident']}" if (e.new or {}).get("incident") else ""),
    AuditAction.REPORT_ATTACHMENT_ADD: lambda e, t: f"attached a file to {t}",
    AuditAction.REPORT_LINK_PREDICTION:
        lambda e, t: f"linked prediction {(e.new or {}).get('prediction_id', '?')} to {t}",
    AuditAction.REPORT_ASSIGN_MODEL: lambda e, t: f"sorted {t} to the model {(e.new or {}).get('model', '?')}",
    AuditAction.REPORT_EXPECTATION_SET: lambda e, t: f"recorded the expected outcome of {t}",
    AuditAction.REPORT_EXPECTATION_CLEAR: lambda e, t: f"removed the expected outcome of {t}",
    AuditAction.REPORT_FORENSICS_REQUEST: lambda e, t: f"asked for the forensics of {t} again",
    AuditAction.REPLAY_START: lambda e, t: f"started {t}",
    AuditAction.POSTMORTEM_START: lambda e, t: f"started {t}",
    AuditAction.POSTMORTEM_UPDATE: lambda e, t: _fields(e, t),
    AuditAction.POSTMORTEM_TRANSITION: lambda e, t: _status(e, t),
    AuditAction.POSTMORTEM_WHY_ADD: lambda e, t: f"asked {_why(e)} in {t}",
    AuditAction.POSTMORTEM_WHY_UPDATE: lambda e, t: f"edited {_why(e)} in {t}",
    AuditAction.POSTMORTEM_WHY_DECIDE: lambda e, t: f"{(e.new or {}).get('status', 'decided')} {_why(e)} in {t}",
    AuditAction.POSTMORTEM_WHY_DELETE: lambda e, t: f"removed {_why(e)} from {t}",
    AuditAction.POSTMORTEM_TIMELINE_ADD: lambda e, t: f"added a timeline entry to {t}",
    AuditAction.POSTMORTEM_TIMELINE_DELETE: lambda e, t: f"removed a timeline entry from {t}",
    AuditAction.POSTMORTEM_COMMENT: lambda e, t: f"commented on {t}",
    AuditAction.ACTION_ITEM_PROPOSE: lambda e, t: f"proposed {t}",
    AuditAction.ACTION_ITEM_REVIEW: lambda e, t: f"{(e.new or {}).get('review_state', 'reviewed')} {t}",
    AuditAction.ACTION_ITEM_TRANSITION: lambda e, t: _status(e, t),
    AuditAction.ACTION_ITEM_UPDATE: lambda e, t: _fields(e, t),
    AuditAction.ACTION_ITEM_COMMENT: lambda e, t: f"commented on {t}",
    AuditAction.ACTION_ITEM_EXPORT_REQUEST: lambda e, t: f"asked to export {t} to the tracker",
    AuditAction.ACTION_ITEM_EXPORT: lambda e, t: f"exported {t} to the tracker",
    AuditAction.WEBHOOK_DELIVERY_RESEND: lambda e, t: "sent a webhook delivery again",
    AuditAction.FEEDBACK_GIVE: lambda e, t: "gave feedback on a prediction",
    AuditAction.MODEL_CREATE: lambda e, t: f"registered {t}",
    AuditAction.MODEL_VERSION_REGISTER: lambda e, t: f"registered {t}",
    AuditAction.MODEL_ASSIGN_TEAM: lambda e, t: f"changed the team that owns {t}",
    AuditAction.MODEL_TOLERANCE_SET: lambda e, t: f"changed the replay tolerance of {t}",
    AuditAction.MODEL_SET_REDACTION: lambda e, t: f"changed which features of {t} are redacted",
    AuditAction.MODEL_SET_RETENTION: lambda e, t: f"changed how long {t} keeps its inference log",
    AuditAction.API_TOKEN_CREATE: lambda e, t: "created an API key",
    AuditAction.API_TOKEN_REVOKE: lambda e, t: "revoked an API key",
    AuditAction.PUBLISHABLE_KEY_CREATE: lambda e, t: "created a feedback-widget key",
    AuditAction.PUBLISHABLE_KEY_REVOKE: lambda e, t: "revoked a feedback-widget key",
    AuditAction.ACCOUNT_SETTINGS: lambda e, t: "changed their notification settings",
    AuditAction.BOT_ACCOUNT_CREATE:
        lambda e, t: f"created the bot account {(e.new or {}).get('username', '')}".rstrip(),
    AuditAction.TEAM_CREATE: lambda e, t: f"created {t}",
    AuditAction.TEAM_MEMBER_SET: lambda e, t: f"changed a membership of {t}",
    AuditAction.TEAM_MEMBER_REMOVE: lambda e, t: f"removed a member from {t}",
    AuditAction.TRIAGER_ADD:
        lambda e, t: f"named {(e.new or {}).get('user', 'someone')} a triager of the Unsorted inbox",
    AuditAction.TRIAGER_REMOVE:
        lambda e, t: f"stopped {(e.old or {}).get('user', 'someone')} triaging the Unsorted inbox",
    AuditAction.SURFACE_ADD: lambda e, t: f"added the product surface {t}",
    AuditAction.SURFACE_UPDATE: lambda e, t: f"changed the product surface {t}",
    AuditAction.SURFACE_REMOVE: lambda e, t: f"removed the product surface {(e.old or {}).get('name', '')}".rstrip(),
    AuditAction.DRIFT_REPORT_REQUEST: lambda e, t: "asked for a drift report",
    AuditAction.INCIDENT_TAG_ADD: lambda e, t: f"tagged {t} “{(e.new or {}).get('tag', '?')}”",
    AuditAction.INCIDENT_TAG_REMOVE: lambda e, t: f"removed the tag “{(e.old or {}).get('tag', '?')}” from {t}",
    AuditAction.TAG_MERGE: lambda e, t: f"merged the tag “{(e.new or {}).get('merged', '?')}” into "
    f"“{(e.new or {}).get('into', '?')}”",
    AuditAction.INCIDENT_SIMILARITY_MARK: lambda e, t: f"marked INC-{(e.new or {}).get('other', '?')} "
    f"{'not similar' if (e.new or {}).get('verdict') == 'not_similar' else 'similar'} to {t}",
    AuditAction.INCIDENT_SIMILARITY_UNMARK: lambda e, t: f"took back their verdict on INC-"
    f"{(e.old or {}).get('other', '?')} being like {t}",
    AuditAction.REPORT_DIAGNOSIS_REQUEST: lambda e, t: f"asked for the diagnosis of {t} again",
    AuditAction.POSTMORTEM_WHY_DRAFT: lambda e, t: f"drafted {len((e.new or {}).get('why_nodes') or [])} whys in {t}",
    AuditAction.POSTMORTEM_FACTOR_ADD: lambda e, t: f"added a contributing factor to {t}",
    AuditAction.POSTMORTEM_FACTOR_UPDATE: lambda e, t: f"edited a contributing factor of {t}",
    AuditAction.POSTMORTEM_FACTOR_DELETE: lambda e, t: f"removed a contributing factor from {t}",
    AuditAction.CHANGE_RECORD: lambda e, t: _change(e),
}


def action_has_sentence(action: str) -> bool:
    """Whether `action` reads as a sentence of its own (else as its code's words)."""
    return action in _SENTENCES


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
