"""The why-tree: its nodes, the root-cause chain, and the rules a page and a service share
(what blocks approval, which moves and removals are allowed)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch

from apps.accounts.access import require_review_on_model
from apps.actions.models import ActionItem, ReviewState
from apps.core.errors import Conflict, DomainError, PermissionDenied

from ..models import (
    POSTMORTEM_TRANSITIONS,
    Postmortem,
    PostmortemStatus,
    WhyNode,
    WhyStatus,
)


def why_nodes(*, postmortem: Postmortem) -> list[WhyNode]:
    """All nodes in the tree's stored order, with the evidence each cites; two queries. Plain
    model instances: the pages and the API render the read model's rows (`postmortem_read`),
    which hold each node's follow-ups; `why_children` groups these by parent."""
    return list(WhyNode.objects.filter(postmortem=postmortem).select_related("decided_by", "created_by")
                .prefetch_related(Prefetch("evidence")))


def why_children(nodes: list[WhyNode]) -> dict[int | None, list[WhyNode]]:
    """The nodes by parent id (None: the answers to the top question), each list in order."""
    by_parent: dict[int | None, list[WhyNode]] = {}
    for node in nodes:
        by_parent.setdefault(node.parent_id, []).append(node)
    return by_parent


def why_roots(nodes: list[WhyNode]) -> list[WhyNode]:
    return [node for node in nodes if node.parent_id is None]


def root_cause_chain(nodes: list[WhyNode]) -> list[WhyNode]:
    """The longest path of confirmed answers from the top: the root-cause chain. Refuted and
    unchecked branches are on record but not on it."""
    best: list[WhyNode] = []
    by_parent = why_children(nodes)

    def walk(node: WhyNode, path: list[WhyNode]) -> None:
        nonlocal best
        path = path + [node]
        confirmed_kids = [kid for kid in by_parent.get(node.pk, []) if kid.status == WhyStatus.CONFIRMED]
        if not confirmed_kids and len(path) > len(best):
            best = path
        for kid in confirmed_kids:
            walk(kid, path)

    for root in why_roots(nodes):
        if root.status == WhyStatus.CONFIRMED:
            walk(root, [])
    return best


def unchecked_nodes(nodes: list[WhyNode]) -> list[WhyNode]:
    """Hypotheses still waiting for a verdict. Every node hangs off the top question or a
    confirmed answer, so each one could still change the root-cause chain."""
    return [node for node in nodes if node.status == WhyStatus.PROPOSED]


@dataclass
class Blockers:
    items: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.items)


def approval_blockers(*, postmortem: Postmortem, nodes: list[WhyNode] | None = None,
                      undecided_items: int | None = None) -> list[str]:
    """What stops approval, in words for the reviewer; empty when it may be approved.
    `undecided_items` is the number of proposed action points, when the caller has them."""
    nodes = why_nodes(postmortem=postmortem) if nodes is None else nodes
    blockers = []
    if not postmortem.root_cause_category:
        blockers.append("Choose the root-cause category.")
    if not root_cause_chain(nodes):
        blockers.append("Confirm at least one answer to the top \"why?\": the root-cause chain is empty.")
    for node in unchecked_nodes(nodes):
        blockers.append(f"Check hypothesis #{node.pk} (\"{node.answer[:80]}\"): confirm or refute it.")
    undecided = ActionItem.objects.filter(incident_id=postmortem.incident_id, review_state=ReviewState.PROPOSED) \
        .count() if undecided_items is None else undecided_items
    if undecided:
        blockers.append("Accept or reject the proposed action point." if undecided == 1
                        else f"Accept or reject the {undecided:,} proposed action points.")
    return blockers


def why_node_delete_problem(*, node: WhyNode, has_follow_ups: bool) -> Conflict | None:
    """Why hypothesis `node` may not be removed — the error why_node_delete raises — or None:
    only an unchecked one with nothing under it goes (a typo, a duplicate); decided ones stay
    on record, refuted guesses being as useful as confirmed ones. The page offers **Remove**
    only where this is None."""
    if node.status != WhyStatus.PROPOSED:
        return Conflict(f"Hypothesis #{node.pk} is {node.status}; checked hypotheses stay on record.",
                        extra={"current": node.status})
    if has_follow_ups:
        return Conflict(f"Hypothesis #{node.pk} has follow-up whys; remove those first.")
    return None


def transition_problem(*, user, postmortem: Postmortem, to: str, nodes: list[WhyNode] | None = None,
                       undecided_items: int | None = None) -> DomainError | None:
    """Why `user` may not move the post-mortem to `to` now — the error postmortem_transition
    raises — or None when the move is allowed. The page asks the same question to offer only
    the moves a person may make, so the two never disagree."""
    if not POSTMORTEM_TRANSITIONS.can_move(postmortem.status, to):
        try:
            POSTMORTEM_TRANSITIONS.check(postmortem.status, to)
        except DomainError as error:
            return error
    reviewing = to == PostmortemStatus.APPROVED or (postmortem.status == PostmortemStatus.IN_REVIEW
                                                    and to == PostmortemStatus.DRAFT)
    if reviewing:
        try:
            require_review_on_model(actor=user, model=postmortem.incident.model, action="review post-mortems")
        except PermissionDenied as error:
            return error
    if to == PostmortemStatus.APPROVED:
        if user is not None and postmortem.author_id == user.pk:
            return PermissionDenied("You wrote this post-mortem, so someone else approves it (four eyes).")
        blockers = approval_blockers(postmortem=postmortem, nodes=nodes, undecided_items=undecided_items)
        if blockers:
            return Conflict("The post-mortem cannot be approved yet: " + " ".join(blockers),
                            extra={"blockers": blockers, "current": postmortem.status,
                                   "allowed_transitions": POSTMORTEM_TRANSITIONS.allowed_from(postmortem.status)})
    return None

