"""The Markdown export: every section, every verdict (refuted ones struck through but kept),
the root-cause chain, and text that cannot break the document's structure."""

from __future__ import annotations

from dataclasses import replace

import pytest

from apps.actions.services import action_item_review
from apps.incidents.evidence import incident_evidence_add
from apps.postmortems.export import postmortem_markdown, why_tree_markdown
from apps.postmortems.selectors import postmortem_read
from apps.postmortems.services import action_item_propose, postmortem_update, timeline_entry_add
from tests.postmortems.factories import decide, team_postmortem, why

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = team_postmortem()
    pm = world.postmortem
    world.guess = decide(why(pm, actor=world.member, answer="The recommender ranked the bag"), actor=world.member,
                         status="refuted", note="The box is 'last seen', not recommendations.")
    world.viewed = decide(why(pm, actor=world.member, answer="The account viewed the bag",
                              evidence_note="Inference log: last_viewed_category = womens_bags."),
                          actor=world.member, status="confirmed", note="The log shows the view.")
    world.family = decide(why(pm, actor=world.member, parent=world.viewed, question="Why would a man view a bag?",
                              answer="The account is shared by a family"),
                          actor=world.member, status="confirmed", note="Support confirmed it.")
    world.open = why(pm, actor=world.member, parent=world.family, question="Why is that not modelled?",
                     answer="Nobody assumed accounts are shared")
    return world


def _tree(world) -> str:
    read = postmortem_read(viewer=world.member, postmortem=world.postmortem)
    return why_tree_markdown(read.roots, chain_ids=read.chain_ids)


def test_the_tree_keeps_refuted_guesses_struck_through_and_marks_the_chain(world):
    text = _tree(world)

    assert f"- **#{world.guess.pk} Why did the men's homepage show a women's bag?**" in text
    assert "~~The recommender ranked the bag~~ — ❌ refuted" in text
    assert "The account viewed the bag — ✅ confirmed **(root-cause chain)**" in text
    assert "Evidence: Inference log: last_viewed_category = womens_bags." in text
    assert "Nobody assumed accounts are shared — ❔ unchecked" in text
    # Children are nested under their parent, two spaces per level.
    assert f"\n  - **#{world.family.pk} Why would a man view a bag?**" in text
    assert f"\n    - **#{world.open.pk} Why is that not modelled?**" in text


def test_a_multi_line_answer_stays_inside_its_list_item(world):
    row = next(row for row in postmortem_read(viewer=world.member, postmortem=world.postmortem).nodes
               if row.id == world.viewed.pk)
    text = why_tree_markdown([replace(row, answer="First line\n\nSecond paragraph", kids=())], chain_ids=set())
    assert "  First line\n\n  Second paragraph — ✅ confirmed" in text


def test_the_document_has_every_section_in_order(world):
    pm = world.postmortem
    postmortem_update(incident_id=pm.incident_id, actor=world.member, expected_version=None,
                      root_cause_category="modelling_assumption", summary="A shared account.",
                      went_well="The log had the request id.", affected_users=12,
                      impact_query="SELECT count(*) FROM predictions WHERE ...")
    from django.utils import timezone

    timeline_entry_add(incident_id=pm.incident_id, actor=world.member, at=timezone.now(),
                       text="Customer | reports the bag")
    item = action_item_propose(incident_id=pm.incident_id, actor=world.member, kind="preventive",
                               title="Evaluate on household accounts")
    action_item_review(item_id=item.pk, actor=world.reviewer, decision="reject", reason="Covered | elsewhere")
    incident_evidence_add(incident_id=pm.incident_id, kind="report", ref_id=world.report.pk, actor=world.member)
    pm.refresh_from_db()

    text = postmortem_markdown(user=world.member, postmortem=pm, base_url="https://incidents.example.com")

    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## Summary", "## Facts", "## Timeline", "## Five whys", "## Root-cause chain",
                        "## Root cause", "## Impact", "## Lessons", "## Action items"]
    assert "- Root-cause category: Modelling assumption" in text
    chain = text.split("## Root-cause chain")[1].split("##")[0]
    assert "1. The account viewed the bag\n2. The account is shared by a family" in chain
    assert "Customer \\| reports the bag" in text  # a pipe cannot split a table cell
    assert "| Rejected: Covered \\| elsewhere |" in text
    assert "- Affected users: 12" in text and "```\nSELECT count(*) FROM predictions WHERE ...\n```" in text
    assert "### What went well\n\nThe log had the request id." in text
    assert f"[WTF-{world.report.pk} {world.report.title}](https://incidents.example.com/reports/" \
           f"{world.report.pk}/)" in text  # the tracker's own pages are linked absolutely, for a wiki
