"""What the post-mortem pages show, assembled from the selectors: the editor, the meeting
screen's slides and their live fragments all render from this one context, so a section looks
the same wherever it appears. Reads only; no rule is decided here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.core.errors import Conflict
from apps.diagnosis.selectors import incident_diagnosis_get
from apps.incidents.selectors import incident_counts

from . import forms, selectors
from .models import POSTMORTEM_TRANSITIONS, Postmortem, PostmortemStatus, Section, WhyStatus

SECTIONS: list[str] = list(Section.values)
SECTION_LABELS: dict[str, str] = dict(Section.choices)
# Which hint fields belong to which section, so advice shows next to what it is about.
SECTION_HINT_FIELDS = {
    Section.FACTS: {"facts"},
    Section.ROOT_CAUSE: {"root_cause_summary"},
    Section.IMPACT: {"business_impact"},
    Section.LESSONS: {"went_well", "went_wrong", "got_lucky"},
    Section.SUMMARY: {"summary"},
    Section.ACTIONS: {"action_items"},
}
TRANSITION_LABELS = {
    (PostmortemStatus.DRAFT, PostmortemStatus.IN_REVIEW): "Submit for review",
    (PostmortemStatus.IN_REVIEW, PostmortemStatus.DRAFT): "Request changes",
    (PostmortemStatus.IN_REVIEW, PostmortemStatus.APPROVED): "Approve",
    (PostmortemStatus.APPROVED, PostmortemStatus.PUBLISHED): "Publish",
    (PostmortemStatus.APPROVED, PostmortemStatus.IN_REVIEW): "Reopen the review",
}


@dataclass(frozen=True)
class Step:
    value: str
    label: str
    number: int


@dataclass(frozen=True)
class TransitionChoice:
    to: str
    label: str
    needs_note: bool
    blockers: list[str]  # non-empty: shown, but the button is disabled until they are dealt with


def steps() -> list[Step]:
    return [Step(value, SECTION_LABELS[value], index + 1) for index, value in enumerate(SECTIONS)]


def section_or_first(value: str | None) -> str:
    return value if value in SECTIONS else SECTIONS[0]


def _transition_choices(*, user, read: selectors.PostmortemRead) -> list[TransitionChoice]:
    postmortem = read.postmortem
    choices = []
    for to in POSTMORTEM_TRANSITIONS.allowed_from(postmortem.status):
        problem = selectors.transition_problem(user=user, postmortem=postmortem, to=to, nodes=list(read.nodes),
                                               undecided_items=read.undecided_items)
        blockers = problem.extra.get("blockers", []) if isinstance(problem, Conflict) else []
        if problem is not None and not blockers:
            continue  # not this person's move (a reviewer's, or the author approving their own)
        choices.append(TransitionChoice(
            to=to, label=TRANSITION_LABELS.get((postmortem.status, to), to), blockers=blockers,
            needs_note=(postmortem.status, to) == (PostmortemStatus.IN_REVIEW, PostmortemStatus.DRAFT)))
    return choices


def _hints_by_place(hints: list[dict[str, Any]]) -> tuple[dict[str, list], dict[int, list], list]:
    by_field: dict[str, list] = {}
    by_node: dict[int, list] = {}
    tree: list = []
    for hint in hints:
        if "why_node" in hint:
            by_node.setdefault(hint["why_node"], []).append(hint)
        elif hint["field"] == "why_nodes":
            tree.append(hint)
        else:
            by_field.setdefault(hint["field"], []).append(hint)
    return by_field, by_node, tree


def postmortem_page(*, user, postmortem: Postmortem, section: str, read_only: bool = False) -> dict[str, Any]:
    """Everything a post-mortem page shows, for the section `section` being the current step:
    the read model (`selectors.postmortem_read`) and what only a page has (steps, forms).
    `read_only` (the printable view) leaves out every control. A view that answers a refused
    POST puts what the person typed back through `node_failures` / `item_failures` (by id)."""
    read = selectors.postmortem_read(viewer=user, postmortem=postmortem, facts=True, read_only=read_only)
    hints_by_field, _, tree_hints = _hints_by_place(list(read.hints))  # a node's own hints are on its row
    can_work, can_review = read.can_work, read.can_review
    editable = can_work and postmortem.status in (PostmortemStatus.DRAFT, PostmortemStatus.IN_REVIEW)
    evidence = list(read.evidence)
    all_steps = steps()
    index = SECTIONS.index(section)
    section_forms = {value: form_class.for_postmortem(postmortem)
                     for value, form_class in forms.SECTION_FORMS.items()}
    return {
        "read": read,
        "postmortem": postmortem,
        "revision": read.revision,
        "incident": postmortem.incident,
        "incident_title": read.incident_title,
        "incident_counts": incident_counts(incident_id=postmortem.incident_id),
        "section": section,
        "steps": all_steps,
        "step": all_steps[index],
        "previous_step": all_steps[index - 1] if index > 0 else None,
        "next_step": all_steps[index + 1] if index + 1 < len(all_steps) else None,
        "can_work": can_work,
        "can_review": can_review,
        "editable": editable,
        "nodes": read.nodes,
        "roots": read.roots,
        "chain": read.chain,
        "unchecked_count": read.unchecked_count,
        "top_question": f"Why did “{read.incident_title}” happen?",
        "hints_by_field": hints_by_field,
        "tree_hints": tree_hints,
        "section_hints": {value: [hint for name in names for hint in hints_by_field.get(name, [])]
                          for value, names in SECTION_HINT_FIELDS.items()},
        "blockers": list(read.blockers),
        "transitions": _transition_choices(user=user, read=read) if can_work else [],
        "timeline": list(read.timeline),
        "facts": read.facts,
        # The tracker's own first checks, on the facts step and the meeting's facts slide.
        "diagnosis": incident_diagnosis_get(user=user, incident_id=postmortem.incident_id),
        "evidence": evidence,
        "action_items": read.action_items,
        "comments": read.comments_by_section,
        "history": selectors.postmortem_history(postmortem=postmortem, items=[row.item for row in read.action_items]),
        "category_label": read.category_label,
        "section_forms": section_forms,
        # Each hypothesis's evidence form, by node id (the tree's rows are the read model's).
        "evidence_forms": {node.id: forms.WhyEvidenceForm(
            initial={"evidence": [item.pk for item in node.evidence], "evidence_note": node.evidence_note},
            evidence_choices=evidence, auto_id=f"node{node.id}-%s") for node in read.nodes},
        # What a refused POST on a hypothesis or an action point sends back to it, by id.
        "node_failures": {},
        "item_failures": {},
        "timeline_form": forms.TimelineEntryForm(),
        "why_form": forms.WhyNodeForm(initial={"question": f"Why did “{read.incident_title}” happen?"}),
        "action_form": forms.ActionItemForm(),
        "factor_form": forms.ContributingFactorForm(),
        # Each factor with the form that edits it in place (None when the page is read-only).
        "factor_rows": [(factor, forms.ContributingFactorForm(prefix=f"factor{factor.id}", initial={
            "category": factor.category, "description": factor.description, "certainty": factor.certainty,
            "is_trigger": factor.is_trigger}) if editable else None)
            for factor in read.factors],
        "decision_choices": [WhyStatus.CONFIRMED, WhyStatus.REFUTED],
    }
