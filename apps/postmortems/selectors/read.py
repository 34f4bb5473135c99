"""The one read model of a whole post-mortem: what the editor page (and the meeting screen,
the print view and their fragments), the API's GET and the Markdown export all render. It is
assembled here once, in a fixed number of queries whatever the number of whys, action points
and comments, and handed out as frozen rows — nothing is bolted onto model instances."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch

from apps.actions.models import ActionItem, ReviewState
from apps.actions.selectors import (
    action_item_closed_incident_problem,
    action_item_review_problem,
    action_items_of_incident,
)
from apps.incidents.evidence import EvidenceRow, evidence_as_seen_by
from apps.incidents.models import Incident, IncidentEvidence
from apps.incidents.selectors import incident_title_as_seen_by

from ..models import Postmortem, ReviewComment, Section, WhyNode, WhyStatus
from .access import postmortem_can_review, postmortem_can_work, postmortem_revision
from .factors import FactorRow, contributing_factors
from .hints import postmortem_hints
from .record import PostmortemFacts, TimelineItem, postmortem_facts, postmortem_timeline, root_cause_category_label
from .why_tree import approval_blockers, root_cause_chain, why_node_delete_problem


@dataclass(frozen=True)
class CitedEvidence:
    """A piece of the incident's evidence a hypothesis cites, as the reader may see it."""

    id: int
    kind: str
    title: str
    url: str

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True)
class WhyRow:
    """One node of the why-tree with what the pages show next to it. The attribute names are the
    model's, so the API's node serializer renders a row as it renders a node."""

    id: int
    parent_id: int | None
    question: str
    answer: str
    how_to_check: str
    evidence: tuple[CitedEvidence, ...]
    evidence_note: str
    status: str
    decision_note: str
    decided_by: AbstractBaseUser | None
    decided_at: datetime | None
    drafted_from: str
    position: int
    version: int
    created_by: AbstractBaseUser | None
    created_at: datetime
    updated_at: datetime
    kids: tuple[WhyRow, ...]  # its follow-up whys, in order
    on_chain: bool  # on the root-cause chain
    deletable: bool  # why_node_delete would remove it (the page offers Remove)
    child_question: str  # the question a follow-up why starts from
    hints: tuple[dict[str, Any], ...]

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True)
class ActionItemRow:
    """An action point as the post-mortem shows it: the item, whether this reader may accept or
    reject it now, and — when it may be rejected but not accepted (its incident is closed) — the
    quiet note saying what would let it be accepted."""

    item: ActionItem
    reviewable: bool
    accept_note: str = ""

    @property
    def acceptable(self) -> bool:
        return self.reviewable and not self.accept_note

    @property
    def pk(self) -> int:
        return self.item.pk


@dataclass(frozen=True)
class CommentRow:
    id: int
    section: str
    why_node_id: int | None
    action_item_id: int | None
    body: str
    author: AbstractBaseUser | None
    created_at: datetime

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True)
class PostmortemRead:
    """A whole post-mortem as `viewer` may read it."""

    postmortem: Postmortem
    incident_title: str  # as `viewer` may read it (a neutral one outside the team)
    revision: int  # what a meeting screen polls
    category_label: str
    nodes: tuple[WhyRow, ...]  # every node, in the tree's stored order
    roots: tuple[WhyRow, ...]  # the answers to the top question
    chain: tuple[WhyRow, ...]  # the root-cause chain, from the top down
    unchecked_count: int
    blockers: tuple[str, ...]  # what stops approval; empty when a reviewer may approve
    undecided_items: int  # proposed action points nobody accepted or rejected yet
    hints: tuple[dict[str, Any], ...]
    timeline: tuple[TimelineItem, ...]
    action_items: tuple[ActionItemRow, ...]
    comments: tuple[CommentRow, ...]
    factors: tuple[FactorRow, ...]
    evidence: tuple[EvidenceRow, ...]  # attached to the incident, as `viewer` may see it
    can_work: bool
    can_review: bool
    facts: PostmortemFacts | None = None  # reports, replays, evidence; only when asked for
    chain_ids: frozenset[int] = field(default=frozenset())

    @property
    def comments_by_section(self) -> dict[str, list[CommentRow]]:
        grouped: dict[str, list[CommentRow]] = {value: [] for value in Section.values}
        for comment in self.comments:
            grouped.setdefault(comment.section, []).append(comment)
        return grouped


def _why_rows(nodes: list[WhyNode], *, chain_ids: set[int], hints: list[dict[str, Any]],
              seen: dict[int, EvidenceRow]) -> list[WhyRow]:
    """The nodes as rows, in the same order, each row holding its follow-ups' rows and the
    evidence it cites as the reader may see it (`seen`, by id)."""
    by_parent: dict[int | None, list[WhyNode]] = {}
    for node in nodes:
        by_parent.setdefault(node.parent_id, []).append(node)
    hints_by_node: dict[int, list[dict[str, Any]]] = {}
    for hint in hints:
        if "why_node" in hint:
            hints_by_node.setdefault(hint["why_node"], []).append(hint)
    rows: dict[int, WhyRow] = {}

    def row_of(node: WhyNode) -> WhyRow:
        # Children first (a frozen row takes its kids when made); a tree is shallow, so recursion is fine.
        if node.pk not in rows:
            kids = tuple(row_of(kid) for kid in by_parent.get(node.pk, []))
            rows[node.pk] = WhyRow(
                id=node.pk, parent_id=node.parent_id, question=node.question, answer=node.answer,
                how_to_check=node.how_to_check, evidence=tuple(
                    CitedEvidence(id=item.pk, kind=seen[item.pk].kind, title=seen[item.pk].title,
                                  url=seen[item.pk].url) for item in node.evidence.all()),
                evidence_note=node.evidence_note, status=node.status, decision_note=node.decision_note,
                decided_by=node.decided_by, decided_at=node.decided_at, drafted_from=node.drafted_from,
                position=node.position, version=node.version, created_by=node.created_by,
                created_at=node.created_at, updated_at=node.updated_at, kids=kids, on_chain=node.pk in chain_ids,
                deletable=why_node_delete_problem(node=node, has_follow_ups=bool(kids)) is None,
                child_question=f"Why {node.answer.strip().rstrip('.')[:300]}?",
                hints=tuple(hints_by_node.get(node.pk, [])))
        return rows[node.pk]

    return [row_of(node) for node in nodes]


def review_comments(*, postmortem: Postmortem) -> list[CommentRow]:
    """The post-mortem's review comments, oldest first (the caller has checked access)."""
    return [CommentRow(id=comment.pk, section=comment.section, why_node_id=comment.why_node_id,
                       action_item_id=comment.action_item_id, body=comment.body, author=comment.author,
                       created_at=comment.created_at)
            for comment in ReviewComment.objects.filter(postmortem=postmortem).select_related("author")]


def postmortem_action_items(*, postmortem: Postmortem) -> list[ActionItem]:
    """The incident's action items in the order proposed, with what the API's item answer reads
    (the people, the post-mortem's id) joined in (the caller has checked access)."""
    return list(action_items_of_incident(incident_id=postmortem.incident_id).select_related("incident__postmortem"))


def _action_item_row(item: ActionItem, *, viewer, incident: Incident, can_review: bool) -> ActionItemRow:
    """The review controls the reader gets: the same checks as `action_item_review`, so the page
    never offers a decision the service then refuses. A closed incident's proposal can still be
    rejected (that unfinishes nothing), not accepted."""
    reviewable = can_review and action_item_review_problem(user=viewer, item=item, model=incident.model) is None
    closed = reviewable and action_item_closed_incident_problem(item=item, incident=incident,
                                                                 doing="accepted") is not None
    return ActionItemRow(item=item, reviewable=reviewable,
                         accept_note=f"Reopen INC-{incident.pk} to accept it." if closed else "")


def postmortem_read(*, viewer, postmortem: Postmortem, facts: bool = False,
                    read_only: bool = False) -> PostmortemRead:
    """Everything the page, the API and the export show of `postmortem`, as `viewer` (already
    allowed to see it; None is the system) may read it. `facts` adds the Facts section's reports
    and replays (the page and the export show them, the API has endpoints of its own);
    `read_only` (the printable view) answers as if the viewer could change nothing."""
    incident = postmortem.incident
    nodes = list(WhyNode.objects.filter(postmortem=postmortem).select_related("decided_by", "created_by")
                 .prefetch_related(Prefetch("evidence", queryset=IncidentEvidence.objects.select_related("added_by"))))
    seen = {row.id: row for row in evidence_as_seen_by(
        user=viewer, incident=incident, rows=[item for node in nodes for item in node.evidence.all()])}
    chain = root_cause_chain(nodes)
    chain_ids = {node.pk for node in chain}
    items = postmortem_action_items(postmortem=postmortem)
    undecided = sum(1 for item in items if item.review_state == ReviewState.PROPOSED)
    hints = postmortem_hints(postmortem=postmortem, nodes=nodes, items=items)
    rows = _why_rows(nodes, chain_ids=chain_ids, hints=hints, seen=seen)
    by_id = {row.id: row for row in rows}
    can_work = not read_only and postmortem_can_work(user=viewer, postmortem=postmortem)
    can_review = not read_only and postmortem_can_review(user=viewer, postmortem=postmortem)
    evidence = evidence_as_seen_by(user=viewer, incident=incident, rows=list(
        IncidentEvidence.objects.filter(incident_id=postmortem.incident_id).select_related("added_by")))
    comments = review_comments(postmortem=postmortem)
    return PostmortemRead(
        postmortem=postmortem,
        # The system (no viewer) writes for the team: it reads the title itself.
        incident_title=incident.title if viewer is None else incident_title_as_seen_by(user=viewer, incident=incident),
        revision=postmortem_revision(postmortem=postmortem, items=items),
        category_label=root_cause_category_label(postmortem.root_cause_category),
        nodes=tuple(rows),
        roots=tuple(row for row in rows if row.parent_id is None),
        chain=tuple(by_id[node.pk] for node in chain),
        chain_ids=frozenset(chain_ids),
        unchecked_count=sum(1 for row in rows if row.status == WhyStatus.PROPOSED),
        blockers=tuple(approval_blockers(postmortem=postmortem, nodes=nodes, undecided_items=undecided)),
        undecided_items=undecided,
        hints=tuple(hints),
        timeline=tuple(postmortem_timeline(user=viewer, postmortem=postmortem)),
        action_items=tuple(_action_item_row(item, viewer=viewer, incident=incident, can_review=can_review)
                           for item in items),
        comments=tuple(comments),
        factors=tuple(contributing_factors(postmortem=postmortem)),
        evidence=tuple(evidence),
        can_work=can_work,
        can_review=can_review,
        facts=postmortem_facts(user=viewer, postmortem=postmortem, evidence=evidence) if facts else None,
    )
