"""Writes for action items, by concern: the ticket's lifecycle (tickets: created when the
post-mortem's `action_item_propose` calls `action_item_create`, then reviewed and tracked),
the daily reminders (reminders), the outgoing signed webhook (webhooks) and the export to an
external tracker (trackers). Everything callers use is importable from here."""

from .reminders import RemindersSent, action_item_reminders_send
from .tickets import (
    EDITABLE_FIELDS,
    action_item_comment_add,
    action_item_create,
    action_item_review,
    action_item_transition,
    action_item_update,
    default_due_date,
)
from .trackers import (
    action_item_export_request,
    export_marker,
    github_configured,
    tracker_export_run,
    tracker_exports_sweep,
)
from .webhooks import (
    sign,
    ticket_event,
    webhook_deliveries_sweep,
    webhook_delivery_attempt,
    webhook_delivery_resend,
)

__all__ = [
    "EDITABLE_FIELDS",
    "RemindersSent",
    "action_item_comment_add",
    "action_item_create",
    "action_item_export_request",
    "action_item_reminders_send",
    "action_item_review",
    "action_item_transition",
    "action_item_update",
    "default_due_date",
    "export_marker",
    "github_configured",
    "sign",
    "ticket_event",
    "tracker_export_run",
    "tracker_exports_sweep",
    "webhook_deliveries_sweep",
    "webhook_delivery_attempt",
    "webhook_delivery_resend",
]
