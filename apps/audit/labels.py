"""The audit trail's filters name what they filter by in words ("Incident: status moved",
"Report"), not by the stored codes (`incident.transition`, `reports.report`), which stay the
options' values. Each action has a label here (a test checks), as it has a sentence in
`sentences.py`."""

from __future__ import annotations

from .actions import AuditAction

_TYPE_LABELS = {
    "accounts.accountsettings": "Account settings",
    "accounts.apitoken": "API key",
    "accounts.botaccount": "Bot account",
    "accounts.membership": "Team membership",
    "accounts.team": "Team",
    "accounts.triager": "Triager",
    "actions.actionitem": "Action item",
    "actions.webhookdelivery": "Webhook delivery",
    "feedback.feedback": "Feedback",
    "feedback.publishablekey": "Feedback-widget key",
    "forensics.driftreport": "Drift report",
    "incidents.incident": "Incident",
    "incidents.tag": "Tag",
    "postmortems.postmortem": "Post-mortem",
    "registry.changeevent": "Change",
    "registry.model": "Model",
    "registry.modelversion": "Model version",
    "registry.surface": "Product surface",
    "replays.replay": "Replay",
    "reports.report": "Report",
}

_ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.INCIDENT_EVIDENCE_ADD: "Incident: evidence added",
    AuditAction.INCIDENT_FOLD: "Incident: folded into another",
    AuditAction.INCIDENT_MERGE: "Incident: another merged in",
    AuditAction.INCIDENT_OPEN: "Incident: opened",
    AuditAction.INCIDENT_REGRESSION: "Incident: reopened as a regression",
    AuditAction.INCIDENT_SIMILARITY_MARK: "Incident: marked similar or not",
    AuditAction.INCIDENT_SIMILARITY_UNMARK: "Incident: similarity verdict taken back",
    AuditAction.INCIDENT_TAG_ADD: "Incident: tagged",
    AuditAction.INCIDENT_TAG_REMOVE: "Incident: tag removed",
    AuditAction.INCIDENT_TRANSITION: "Incident: status moved",
    AuditAction.INCIDENT_UPDATE: "Incident: edited",
    AuditAction.REPORT_ASSIGN_MODEL: "Report: sorted to a model",
    AuditAction.REPORT_ATTACHMENT_ADD: "Report: file attached",
    AuditAction.REPORT_CREATE: "Report: filed",
    AuditAction.REPORT_DIAGNOSIS_REQUEST: "Report: diagnosis asked for again",
    AuditAction.REPORT_EXPECTATION_CLEAR: "Report: expected outcome removed",
    AuditAction.REPORT_EXPECTATION_SET: "Report: expected outcome recorded",
    AuditAction.REPORT_FORENSICS_REQUEST: "Report: forensics asked for again",
    AuditAction.REPORT_LINK_PREDICTION: "Report: prediction linked",
    AuditAction.REPORT_MOVE: "Report: moved to another incident",
    AuditAction.REPLAY_START: "Replay: started",
    AuditAction.POSTMORTEM_COMMENT: "Post-mortem: commented",
    AuditAction.POSTMORTEM_FACTOR_ADD: "Post-mortem: contributing factor added",
    AuditAction.POSTMORTEM_FACTOR_DELETE: "Post-mortem: contributing factor removed",
    AuditAction.POSTMORTEM_FACTOR_UPDATE: "Post-mortem: contributing factor edited",
    AuditAction.POSTMORTEM_START: "Post-mortem: started",
    AuditAction.POSTMORTEM_TIMELINE_ADD: "Post-mortem: timeline entry added",
    AuditAction.POSTMORTEM_TIMELINE_DELETE: "Post-mortem: timeline entry removed",
    AuditAction.POSTMORTEM_TRANSITION: "Post-mortem: status moved",
    AuditAction.POSTMORTEM_UPDATE: "Post-mortem: edited",
    AuditAction.POSTMORTEM_WHY_ADD: "Post-mortem: why asked",
    AuditAction.POSTMORTEM_WHY_DECIDE: "Post-mortem: why confirmed or refuted",
    AuditAction.POSTMORTEM_WHY_DELETE: "Post-mortem: why removed",
    AuditAction.POSTMORTEM_WHY_DRAFT: "Post-mortem: whys drafted from the diagnosis",
    AuditAction.POSTMORTEM_WHY_UPDATE: "Post-mortem: why edited",
    AuditAction.ACTION_ITEM_COMMENT: "Action item: commented",
    AuditAction.ACTION_ITEM_EXPORT: "Action item: exported to the tracker",
    AuditAction.ACTION_ITEM_EXPORT_REQUEST: "Action item: export to the tracker asked for",
    AuditAction.ACTION_ITEM_PROPOSE: "Action item: proposed",
    AuditAction.ACTION_ITEM_REVIEW: "Action item: accepted or rejected",
    AuditAction.ACTION_ITEM_TRANSITION: "Action item: status moved",
    AuditAction.ACTION_ITEM_UPDATE: "Action item: edited",
    AuditAction.WEBHOOK_DELIVERY_RESEND: "Webhook delivery: sent again",
    AuditAction.FEEDBACK_GIVE: "Feedback: given on a prediction",
    AuditAction.MODEL_ASSIGN_TEAM: "Model: owning team changed",
    AuditAction.MODEL_CREATE: "Model: registered",
    AuditAction.MODEL_SET_REDACTION: "Model: redacted features changed",
    AuditAction.MODEL_SET_RETENTION: "Model: inference-log retention changed",
    AuditAction.MODEL_TOLERANCE_SET: "Model: replay tolerance changed",
    AuditAction.MODEL_VERSION_REGISTER: "Model version: registered",
    AuditAction.API_TOKEN_CREATE: "API key: created",
    AuditAction.API_TOKEN_REVOKE: "API key: revoked",
    AuditAction.PUBLISHABLE_KEY_CREATE: "Feedback-widget key: created",
    AuditAction.PUBLISHABLE_KEY_REVOKE: "Feedback-widget key: revoked",
    AuditAction.ACCOUNT_SETTINGS: "Account: notification settings changed",
    AuditAction.BOT_ACCOUNT_CREATE: "Bot account: created",
    AuditAction.TEAM_CREATE: "Team: created",
    AuditAction.TEAM_MEMBER_REMOVE: "Team: member removed",
    AuditAction.TEAM_MEMBER_SET: "Team: membership changed",
    AuditAction.TRIAGER_ADD: "Unsorted inbox: triager named",
    AuditAction.TRIAGER_REMOVE: "Unsorted inbox: triager removed",
    AuditAction.SURFACE_ADD: "Product surface: added",
    AuditAction.SURFACE_REMOVE: "Product surface: removed",
    AuditAction.SURFACE_UPDATE: "Product surface: changed",
    AuditAction.DRIFT_REPORT_REQUEST: "Drift report: asked for",
    AuditAction.CHANGE_RECORD: "Change: recorded",
    AuditAction.TAG_MERGE: "Tag: merged into another",
}


def _words(code: str) -> str:
    return code.replace("_", " ").capitalize()


def action_label(action: str) -> str:
    """An action as the audit trail's filter offers it: "Incident: status moved" for
    `incident.transition`; an action without a label yet still reads as words."""
    if action in _ACTION_LABELS:
        return _ACTION_LABELS[AuditAction(action)]
    thing, _, verb = action.rpartition(".")
    return f"{_words(thing)}: {verb.replace('_', ' ')}" if thing else _words(verb)


def target_type_label(target_type: str) -> str:
    """An object type as people name it: "Report" for `reports.report`, "Post-mortem"."""
    return _TYPE_LABELS.get(target_type) or _words(target_type.rsplit(".", 1)[-1])
