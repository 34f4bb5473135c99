"""Every action an audit event records (`AuditEvent.action`), as constants: a typo fails at
import, or when the service first runs (`audit_record` refuses an action not listed here), never
by storing a code no filter or sentence knows. The stored strings are contract: existing rows,
the audit trail's filter by action and the API's history keep them. Add, never rename. Each
action has a sentence in `apps/audit/sentences.py` (a test checks)."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    # incident
    INCIDENT_EVIDENCE_ADD = "incident.evidence_add"
    INCIDENT_FOLD = "incident.fold"
    INCIDENT_MERGE = "incident.merge"
    INCIDENT_OPEN = "incident.open"
    INCIDENT_REGRESSION = "incident.regression"
    INCIDENT_SIMILARITY_MARK = "incident.similarity_mark"
    INCIDENT_SIMILARITY_UNMARK = "incident.similarity_unmark"
    INCIDENT_TAG_ADD = "incident.tag_add"
    INCIDENT_TAG_REMOVE = "incident.tag_remove"
    INCIDENT_TRANSITION = "incident.transition"
    INCIDENT_UPDATE = "incident.update"
    # report
    REPORT_ASSIGN_MODEL = "report.assign_model"
    REPORT_ATTACHMENT_ADD = "report.attachment_add"
    REPORT_CREATE = "report.create"
    REPORT_DIAGNOSIS_REQUEST = "report.diagnosis_request"
    REPORT_EXPECTATION_CLEAR = "report.expectation_clear"
    REPORT_EXPECTATION_SET = "report.expectation_set"
    REPORT_FORENSICS_REQUEST = "report.forensics_request"
    REPORT_LINK_PREDICTION = "report.link_prediction"
    REPORT_MOVE = "report.move"
    # replay
    REPLAY_START = "replay.start"
    # postmortem
    POSTMORTEM_COMMENT = "postmortem.comment"
    POSTMORTEM_FACTOR_ADD = "postmortem.factor_add"
    POSTMORTEM_FACTOR_DELETE = "postmortem.factor_delete"
    POSTMORTEM_FACTOR_UPDATE = "postmortem.factor_update"
    POSTMORTEM_START = "postmortem.start"
    POSTMORTEM_TIMELINE_ADD = "postmortem.timeline_add"
    POSTMORTEM_TIMELINE_DELETE = "postmortem.timeline_delete"
    POSTMORTEM_TRANSITION = "postmortem.transition"
    POSTMORTEM_UPDATE = "postmortem.update"
    POSTMORTEM_WHY_ADD = "postmortem.why_add"
    POSTMORTEM_WHY_DECIDE = "postmortem.why_decide"
    POSTMORTEM_WHY_DELETE = "postmortem.why_delete"
    POSTMORTEM_WHY_DRAFT = "postmortem.why_draft"
    POSTMORTEM_WHY_UPDATE = "postmortem.why_update"
    # action_item
    ACTION_ITEM_COMMENT = "action_item.comment"
    ACTION_ITEM_EXPORT = "action_item.export"
    ACTION_ITEM_EXPORT_REQUEST = "action_item.export_request"
    ACTION_ITEM_PROPOSE = "action_item.propose"
    ACTION_ITEM_REVIEW = "action_item.review"
    ACTION_ITEM_TRANSITION = "action_item.transition"
    ACTION_ITEM_UPDATE = "action_item.update"
    # webhook_delivery
    WEBHOOK_DELIVERY_RESEND = "webhook_delivery.resend"
    # feedback
    FEEDBACK_GIVE = "feedback.give"
    # model
    MODEL_ASSIGN_TEAM = "model.assign_team"
    MODEL_CREATE = "model.create"
    MODEL_SET_REDACTION = "model.set_redaction"
    MODEL_SET_RETENTION = "model.set_retention"
    MODEL_TOLERANCE_SET = "model.tolerance_set"
    # model_version
    MODEL_VERSION_REGISTER = "model_version.register"
    # api_token
    API_TOKEN_CREATE = "api_token.create"
    API_TOKEN_REVOKE = "api_token.revoke"
    # publishable_key
    PUBLISHABLE_KEY_CREATE = "publishable_key.create"
    PUBLISHABLE_KEY_REVOKE = "publishable_key.revoke"
    # account
    ACCOUNT_SETTINGS = "account.settings"
    # bot_account
    BOT_ACCOUNT_CREATE = "bot_account.create"
    # team
    TEAM_CREATE = "team.create"
    TEAM_MEMBER_REMOVE = "team.member_remove"
    TEAM_MEMBER_SET = "team.member_set"
    # triager
    TRIAGER_ADD = "triager.add"
    TRIAGER_REMOVE = "triager.remove"
    # surface
    SURFACE_ADD = "surface.add"
    SURFACE_REMOVE = "surface.remove"
    SURFACE_UPDATE = "surface.update"
    # drift_report
    DRIFT_REPORT_REQUEST = "drift_report.request"
    # change
    CHANGE_RECORD = "change.record"
    # tag
    TAG_MERGE = "tag.merge"
