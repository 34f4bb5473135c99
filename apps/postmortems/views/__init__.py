"""The post-mortem pages: the guided editor, the review-meeting screen with its live
fragments, the printable view and the Markdown export. Each POST view parses a small form,
calls one service and goes back where the person was; a service's refusal is shown on the
page (or answered as JSON to the meeting screen's fetch), never a server error."""

from .editing import (
    impact_measure_view,
    section_save_view,
    start_view,
    timeline_add_view,
    timeline_delete_view,
    transition_view,
)
from .factors import factor_add_view, factor_delete_view, factor_update_view
from .meeting import presenter_view
from .pages import (
    editor_view,
    export_markdown_view,
    fragment_view,
    meeting_agenda_view,
    meeting_view,
    print_view,
    revision_view,
)
from .review import action_propose_view, action_review_view, comment_add_view
from .whys import why_add_view, why_decide_view, why_delete_view, why_draft_view, why_evidence_view

__all__ = [
    "action_propose_view", "action_review_view", "comment_add_view", "editor_view", "export_markdown_view",
    "factor_add_view", "factor_delete_view", "factor_update_view",
    "fragment_view", "impact_measure_view", "meeting_agenda_view", "meeting_view", "presenter_view", "print_view",
    "revision_view", "section_save_view", "start_view", "timeline_add_view", "timeline_delete_view",
    "transition_view", "why_add_view", "why_decide_view", "why_delete_view", "why_draft_view",
    "why_evidence_view",
]
