"""Reads of post-mortems, split by job; every public name is importable from here, as other
apps and the post-mortem's own services, views and API do.

- `access`: finding a post-mortem and who may work on or review it;
- `meeting`: the review meeting's agenda and presenter;
- `why_tree`: the why-tree, the root-cause chain and the rules a page and a service share;
- `hints`: advice for the editor;
- `record`: history, timeline, facts;
- `factors`: contributing factors and their counts across incidents;
- `read`: the one read model of a whole post-mortem the page, the API and the export render."""

from .access import (
    incident_visibility_queryset,
    postmortem_can_review,
    postmortem_can_work,
    postmortem_get,
    postmortem_get_for_export,
    postmortem_get_for_work,
    postmortem_list,
    postmortem_of,
    postmortem_revision,
)
from .factors import FactorCount, FactorRow, contributing_factor_counts, contributing_factors
from .hints import BLAME_CHECKED_FIELDS, SUGGESTED_DEPTH, people_names, postmortem_hints
from .meeting import (
    PRESENTER_IDLE,
    AgendaEntry,
    PresenterView,
    meeting_presenter,
    postmortem_agenda,
    postmortem_agenda_entries,
)
from .read import (
    ActionItemRow,
    CitedEvidence,
    CommentRow,
    PostmortemRead,
    WhyRow,
    postmortem_action_items,
    postmortem_read,
    review_comments,
)
from .record import (
    FactReport,
    PostmortemFacts,
    TimelineItem,
    postmortem_facts,
    postmortem_history,
    postmortem_timeline,
    root_cause_category_label,
)
from .why_tree import (
    Blockers,
    approval_blockers,
    root_cause_chain,
    transition_problem,
    unchecked_nodes,
    why_children,
    why_node_delete_problem,
    why_nodes,
    why_roots,
)

__all__ = [
    "ActionItemRow", "AgendaEntry", "BLAME_CHECKED_FIELDS", "Blockers", "CitedEvidence", "CommentRow", "FactReport",
    "FactorCount", "FactorRow",
    "PRESENTER_IDLE", "PostmortemFacts", "PostmortemRead", "PresenterView", "SUGGESTED_DEPTH", "TimelineItem", "WhyRow",
    "approval_blockers", "contributing_factor_counts", "contributing_factors", "incident_visibility_queryset",
    "meeting_presenter", "people_names", "postmortem_action_items", "postmortem_agenda",
    "postmortem_agenda_entries", "postmortem_can_review", "postmortem_can_work", "postmortem_facts",
    "postmortem_get", "postmortem_get_for_export", "postmortem_get_for_work", "postmortem_hints",
    "postmortem_history", "postmortem_list", "postmortem_of", "postmortem_read", "postmortem_revision",
    "postmortem_timeline", "review_comments", "root_cause_category_label", "root_cause_chain", "transition_problem",
    "unchecked_nodes", "why_children", "why_node_delete_problem", "why_nodes", "why_roots",
]
