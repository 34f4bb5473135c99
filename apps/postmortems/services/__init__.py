"""Writes to post-mortems: start, edit (optimistic locking), the review pipeline, the
why-tree, timeline entries and review comments. Every change is audited and bumps the
post-mortem's `revision`, which is what a meeting screen watches."""

from .factors import (
    contributing_factor_add,
    contributing_factor_delete,
    contributing_factor_update,
    postmortem_signature_write,
)
from .meeting import postmortem_present, postmortem_stop_presenting
from .notes import review_comment_add, timeline_entry_add, timeline_entry_delete
from .postmortem import (
    COUNT_FIELDS,
    EDITABLE_FIELDS,
    TEXT_FIELDS,
    TIME_FIELDS,
    postmortem_measure_impact,
    postmortem_start,
    postmortem_touch,
    postmortem_transition,
    postmortem_update,
)
from .why_tree import why_node_add, why_node_decide, why_node_delete, why_node_update

__all__ = [
    "contributing_factor_add", "contributing_factor_delete", "contributing_factor_update", "postmortem_signature_write",
    "COUNT_FIELDS", "EDITABLE_FIELDS", "TEXT_FIELDS", "TIME_FIELDS", "postmortem_measure_impact", "postmortem_present",
    "postmortem_start", "postmortem_stop_presenting", "postmortem_touch", "postmortem_transition", "postmortem_update",
    "review_comment_add", "timeline_entry_add",
    "timeline_entry_delete", "why_node_add", "why_node_decide", "why_node_delete", "why_node_update",
]
