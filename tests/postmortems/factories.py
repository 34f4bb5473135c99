"""Post-mortems built through the services, as people build them."""

from __future__ import annotations

from apps.postmortems.models import Postmortem, WhyNode
from apps.postmortems.services import postmortem_start, why_node_add, why_node_decide
from tests.accounts.factories import access_world


def team_postmortem():
    """`access_world()` plus a post-mortem of its incident started by `world.member`."""
    world = access_world()
    world.postmortem, _ = postmortem_start(incident_id=world.incident.pk, actor=world.member)
    return world


def why(postmortem: Postmortem, *, actor, answer: str, parent: WhyNode | None = None,
        question: str = "Why did the men's homepage show a women's bag?", **fields) -> WhyNode:
    return why_node_add(incident_id=postmortem.incident_id, actor=actor, parent_id=parent.pk if parent else None,
                        question=question, answer=answer, **fields)


def decide(node: WhyNode, *, actor, status: str, note: str = "The replay showed it.") -> WhyNode:
    return why_node_decide(incident_id=node.postmortem.incident_id, node_id=node.pk, actor=actor, status=status,
                           note=note)


def confirmed_chain(postmortem: Postmortem, *, actor, depth: int) -> list[WhyNode]:
    """A chain of `depth` confirmed answers, each asking "why?" of the one before."""
    chain: list[WhyNode] = []
    for level in range(depth):
        node = why(postmortem, actor=actor, parent=chain[-1] if chain else None,
                   question=f"Why (level {level + 1})?", answer=f"Because of cause {level + 1}",
                   evidence_note="Checked in the inference log.")
        chain.append(decide(node, actor=actor, status="confirmed"))
    return chain
