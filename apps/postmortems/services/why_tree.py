"""The why-tree: hypotheses added, edited, moved, checked (confirmed or refuted) and removed."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from apps.incidents.models import IncidentEvidence

from ..models import (
    MAX_SHORT_TEXT,
    WHY_TRANSITIONS,
    Postmortem,
    WhyNode,
    WhyStatus,
)
from ..selectors import postmortem_get_for_work, why_node_delete_problem
from ._common import MAX_QUESTION, _check_length, _is_person, _require_editable, _touch


def _node_locked(*, incident_id: int, node_id: int, actor) -> tuple[Postmortem, WhyNode]:
    postmortem = postmortem_get_for_work(user=actor, incident_id=incident_id)
    node = WhyNode.objects.select_for_update().filter(pk=node_id, postmortem=postmortem).first()
    if node is None:
        raise NotFound(f"The post-mortem of INC-{incident_id} has no why-node {node_id}.")
    return postmortem, node


def _evidence(*, postmortem: Postmortem, evidence_ids: list[int]) -> list[IncidentEvidence]:
    found = list(IncidentEvidence.objects.filter(incident_id=postmortem.incident_id, pk__in=evidence_ids))
    missing = sorted(set(evidence_ids) - {item.pk for item in found})
    if missing:
        raise InvalidInput(f"Evidence {', '.join(map(str, missing))} is not attached to this incident; attach it "
                           "first (POST /api/v1/incidents/{id}/evidence/).", errors={"evidence": ["Unknown ids."]})
    return found


def _check_node_texts(*, question: str | None, answer: str | None, how_to_check: str | None,
                      evidence_note: str | None) -> None:
    _check_length("question", question, MAX_QUESTION)
    for name, value in (("answer", answer), ("how_to_check", how_to_check), ("evidence_note", evidence_note)):
        _check_length(name, value, MAX_SHORT_TEXT)


def _check_parent(*, postmortem: Postmortem, parent_id: int | None, node: WhyNode | None = None) -> WhyNode | None:
    if parent_id is None:
        return None
    parent = WhyNode.objects.filter(pk=parent_id, postmortem=postmortem).first()
    if parent is None:
        raise InvalidInput(f"Why-node {parent_id} is not in this post-mortem: a node must hang off the top question "
                           "or a node of the same tree.", errors={"parent": ["Not in this post-mortem."]})
    if node is not None:
        ancestor: WhyNode | None = parent
        while ancestor is not None:
            if ancestor.pk == node.pk:
                raise InvalidInput(f"Moving node {node.pk} under {parent_id} would make a cycle: {parent_id} is "
                                   f"{'the node itself' if parent_id == node.pk else 'one of its descendants'}.",
                                   errors={"parent": ["Would make a cycle."]})
            ancestor = ancestor.parent
    if parent.status != WhyStatus.CONFIRMED:
        raise Conflict(f"Hypothesis #{parent.pk} is {parent.status}: ask \"why?\" again only of a confirmed answer. "
                       "To offer another answer to the same question, add a sibling instead.",
                       extra={"parent_status": parent.status})
    return parent


@transaction.atomic
def why_node_add(*, incident_id: int, actor, question: str, answer: str, parent_id: int | None = None,
                 how_to_check: str = "", evidence_note: str = "", evidence_ids: list[int] | None = None) -> WhyNode:
    """A hypothesis: at the top (an answer to "why did this happen?", or an alternative to
    one) or under a confirmed answer (the next "why?")."""
    postmortem = postmortem_get_for_work(user=actor, incident_id=incident_id)
    _require_editable(postmortem)
    if not question.strip() or not answer.strip():
        raise InvalidInput("A why-node needs a question and a proposed answer.",
                           errors={name: ["Required."] for name, value in (("question", question), ("answer", answer))
                                   if not value.strip()})
    _check_node_texts(question=question, answer=answer, how_to_check=how_to_check, evidence_note=evidence_note)
    parent = _check_parent(postmortem=postmortem, parent_id=parent_id)
    evidence = _evidence(postmortem=postmortem, evidence_ids=evidence_ids or [])
    position = WhyNode.objects.filter(postmortem=postmortem, parent=parent).count()
    node = WhyNode.objects.create(postmortem=postmortem, parent=parent, question=question.strip(),
                                  answer=answer.strip(), how_to_check=how_to_check, evidence_note=evidence_note,
                                  position=position, created_by=actor if _is_person(actor) else None)
    node.evidence.set(evidence)
    _touch(postmortem, actor=actor)
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_WHY_ADD, target=postmortem,
                 new={"why_node": node.pk, "parent": parent_id, "question": node.question, "answer": node.answer})
    return node


@transaction.atomic
def why_node_update(*, incident_id: int, node_id: int, actor, expected_version: int | None = None,
                    **changes: Any) -> WhyNode:
    """Edits a node's texts, evidence or place in the tree. A decided answer's texts are on
    record: take the decision back first (or add a sibling)."""
    postmortem, node = _node_locked(incident_id=incident_id, node_id=node_id, actor=actor)
    _require_editable(postmortem)
    if expected_version is not None and expected_version != node.version:
        raise PreconditionFailed(f"Why-node {node.pk} was changed since you read it (now version {node.version}).",
                                 extra={"current_version": node.version})
    allowed = {"question", "answer", "how_to_check", "evidence_note", "evidence_ids", "parent_id"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput(f"Cannot change {', '.join(sorted(unknown))} here.",
                           errors={name: ["Not editable."] for name in sorted(unknown)})
    _check_node_texts(question=changes.get("question"), answer=changes.get("answer"),
                      how_to_check=changes.get("how_to_check"),
                      evidence_note=changes.get("evidence_note"))
    for name in ("question", "answer"):
        if name in changes and not str(changes[name]).strip():
            raise InvalidInput(f"`{name}` cannot be empty.", errors={name: ["Required."]})
    if node.status != WhyStatus.PROPOSED and ({"question", "answer"} & set(changes)):
        raise Conflict(f"Hypothesis #{node.pk} is {node.status}; its question and answer are on record. Take the "
                       "decision back (status 'proposed') to reword it, or add the new idea as a sibling.",
                       extra={"current": node.status})
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    if "parent_id" in changes and changes["parent_id"] != node.parent_id:
        parent = _check_parent(postmortem=postmortem, parent_id=changes["parent_id"], node=node)
        old["parent"], new["parent"] = node.parent_id, changes["parent_id"]
        node.parent = parent
        node.position = WhyNode.objects.filter(postmortem=postmortem, parent=parent).exclude(pk=node.pk).count()
    for name in ("question", "answer", "how_to_check", "evidence_note"):
        if name in changes and changes[name] != getattr(node, name):
            old[name], new[name] = getattr(node, name), changes[name]
            setattr(node, name, changes[name])
    if "evidence_ids" in changes:
        evidence = _evidence(postmortem=postmortem, evidence_ids=changes["evidence_ids"])
        current = sorted(node.evidence.values_list("pk", flat=True))
        if current != sorted(item.pk for item in evidence):
            old["evidence"], new["evidence"] = current, sorted(item.pk for item in evidence)
            node.evidence.set(evidence)
    if not new:
        return node
    node.version += 1
    node.updated_at = timezone.now()
    node.save()
    _touch(postmortem, actor=actor)
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_WHY_UPDATE, target=postmortem,
                 old={"why_node": node.pk, **old}, new={"why_node": node.pk, **new})
    return node


@transaction.atomic
def why_node_decide(*, incident_id: int, node_id: int, actor, status: str, note: str = "") -> WhyNode:
    """Confirms or refutes a hypothesis with a short justification, or takes the decision
    back. A refuted node stays on record; its alternative is a sibling."""
    postmortem, node = _node_locked(incident_id=incident_id, node_id=node_id, actor=actor)
    _require_editable(postmortem)
    if status not in WhyStatus.values:
        raise InvalidInput(f"'{status}' is not a why-node status. Use one of: {', '.join(WhyStatus.values)}.",
                           errors={"status": ["Unknown status."]})
    WHY_TRANSITIONS.check(node.status, status)
    _check_length("note", note, MAX_SHORT_TEXT)
    if status != WhyStatus.PROPOSED and not note.strip():
        raise InvalidInput(f"Say in a sentence why hypothesis #{node.pk} is {status}: what did the check show?",
                           errors={"note": ["Required when confirming or refuting."]})
    if status == WhyStatus.PROPOSED and node.children.exists():
        raise Conflict(f"Hypothesis #{node.pk} has follow-up whys that rest on it being confirmed; decide those "
                       "first or add the new idea as a sibling.", extra={"current": node.status})
    old = {"why_node": node.pk, "status": node.status}
    node.status = status
    node.decision_note = note if status != WhyStatus.PROPOSED else ""
    node.decided_by = actor if status != WhyStatus.PROPOSED and _is_person(actor) else None
    node.decided_at = timezone.now() if status != WhyStatus.PROPOSED else None
    node.version += 1
    node.updated_at = timezone.now()
    node.save()
    _touch(postmortem, actor=actor)
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_WHY_DECIDE, target=postmortem, old=old,
                 new={"why_node": node.pk, "status": status, "note": note})
    return node


@transaction.atomic
def why_node_delete(*, incident_id: int, node_id: int, actor) -> None:
    """Removes an unchecked hypothesis with nothing under it (a typo, a duplicate). Decided
    ones stay on record: refuted guesses are as useful as confirmed ones."""
    postmortem, node = _node_locked(incident_id=incident_id, node_id=node_id, actor=actor)
    _require_editable(postmortem)
    problem = why_node_delete_problem(node=node, has_follow_ups=node.children.exists())
    if problem is not None:
        raise problem
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_WHY_DELETE, target=postmortem,
                 old={"why_node": node.pk, "question": node.question, "answer": node.answer})
    node.delete()
    _touch(postmortem, actor=actor)
