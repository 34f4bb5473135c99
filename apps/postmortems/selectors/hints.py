"""Advice for the editor, never a block: blaming language, missing evidence, chain depth, scope."""

from __future__ import annotations

from typing import Any

from apps.actions.models import ActionItem, ActionScope, ReviewState

from ..blameless import blame_hints
from ..models import (
    Postmortem,
    WhyNode,
    WhyStatus,
)
from .why_tree import root_cause_chain, why_nodes

# The editor nudges toward about five levels: fewer usually stops at a symptom, many more
# usually wanders off into history.
SUGGESTED_DEPTH = 5
BLAME_CHECKED_FIELDS = ("summary", "facts", "root_cause_summary", "business_impact", "went_well", "went_wrong",
                        "got_lucky")


def people_names(*, postmortem: Postmortem) -> set[str]:
    """Lower-case names of the people around the incident (the team, the reporters, the
    owner): the names a blaming sentence would use."""
    from django.contrib.auth import get_user_model

    incident = postmortem.incident
    users = get_user_model().objects.filter(
        **({"memberships__team_id": incident.model.team_id} if incident.model.team_id else {"pk__in": []})
    ) | get_user_model().objects.filter(reports__incident_id=incident.pk) | get_user_model().objects.filter(
        pk__in=[pk for pk in (incident.owner_id, postmortem.author_id) if pk])
    names: set[str] = set()
    for username, first, last in users.distinct().values_list("username", "first_name", "last_name")[:500]:
        names.update(part.lower() for part in (username, first, last) if part and len(part) > 2)
    return names


def postmortem_hints(*, postmortem: Postmortem, nodes: list[WhyNode] | None = None,
                     items: list[ActionItem] | None = None) -> list[dict[str, Any]]:
    """Advice for the editor, never a block: blaming language, confirmed answers without
    evidence, a chain that stops early or wanders on."""
    nodes = why_nodes(postmortem=postmortem) if nodes is None else nodes
    names = people_names(postmortem=postmortem)
    hints: list[dict[str, Any]] = []
    for name in BLAME_CHECKED_FIELDS:
        hints += [{"kind": "blame", **hint.as_dict()}
                  for hint in blame_hints(field=name, text=getattr(postmortem, name), names=names)]
    for node in nodes:
        for name in ("question", "answer", "how_to_check", "evidence_note", "decision_note"):
            hints += [{"kind": "blame", **hint.as_dict(), "why_node": node.pk}
                      for hint in blame_hints(field=f"why_nodes[{node.pk}].{name}", text=getattr(node, name),
                                              names=names)]
        if node.status == WhyStatus.CONFIRMED and not node.evidence.all() and not node.evidence_note.strip():
            hints.append({"kind": "evidence", "field": f"why_nodes[{node.pk}]", "why_node": node.pk,
                          "message": f"Hypothesis #{node.pk} is confirmed without evidence: what is the evidence? "
                                     "Link a replay, a forensics finding, a log or describe the check's result."})
    chain = root_cause_chain(nodes)
    if chain and len(chain) < SUGGESTED_DEPTH - 2 and not any(node.status == WhyStatus.PROPOSED for node in nodes):
        hints.append({"kind": "depth", "field": "why_nodes",
                      "message": f"The root-cause chain is {len(chain)} level(s) deep. Ask \"why?\" of its last "
                                 f"answer again — about {SUGGESTED_DEPTH} levels usually reach the category of bug "
                                 "rather than this one instance."})
    if len(chain) > SUGGESTED_DEPTH + 2:
        hints.append({"kind": "depth", "field": "why_nodes",
                      "message": f"The chain is {len(chain)} levels deep: check the last steps are still about "
                                 "this incident and not history in general."})
    hints += _scope_hints(postmortem, items)
    return hints


def _scope_hints(postmortem: Postmortem, items: list[ActionItem] | None) -> list[dict[str, Any]]:
    """Fixing only this instance leaves the next one, which will look different, to happen."""
    if items is None:
        scopes = set(ActionItem.objects.filter(incident_id=postmortem.incident_id)
                     .exclude(review_state=ReviewState.REJECTED).values_list("scope", flat=True))
    else:
        scopes = {item.scope for item in items if item.review_state != ReviewState.REJECTED}
    if scopes and ActionScope.CATEGORY not in scopes:
        return [{"kind": "scope", "field": "action_items",
                 "message": "Every action point fixes this instance only. What would catch or prevent the whole "
                            "class of bug — a check in the pipeline, a test on the training data, an alert?"}]
    return []

