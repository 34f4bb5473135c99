"""The post-mortem's rules: the why-tree, the review pipeline (four eyes), blameless hints,
and optimistic locking."""

import pytest

from apps.actions.services import action_item_review, action_item_transition, action_item_update
from apps.audit.models import AuditEvent
from apps.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied, PreconditionFailed
from apps.postmortems.models import WhyStatus
from apps.postmortems.selectors import (
    approval_blockers,
    postmortem_hints,
    postmortem_revision,
    root_cause_chain,
    why_nodes,
)
from apps.postmortems.services import (
    action_item_propose,
    postmortem_start,
    postmortem_transition,
    postmortem_update,
    why_node_decide,
    why_node_delete,
    why_node_update,
)
from tests.postmortems.factories import confirmed_chain, decide, team_postmortem, why

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return team_postmortem()


def _ready_for_review(world):
    pm = world.postmortem
    confirmed_chain(pm, actor=world.member, depth=5)
    postmortem_update(incident_id=pm.incident_id, actor=world.member, expected_version=None,
                      root_cause_category="ui_product_surface")
    return postmortem_transition(incident_id=pm.incident_id, actor=world.member, to="in_review")


# --- The why-tree ------------------------------------------------------------------------------

def test_starting_twice_gives_the_same_postmortem_with_its_first_author(world):
    again, created = postmortem_start(incident_id=world.incident.pk, actor=world.reviewer)
    assert not created and again.pk == world.postmortem.pk and again.author == world.member


def test_a_refuted_hypothesis_stays_on_record_and_its_alternative_is_a_sibling(world):
    pm = world.postmortem
    guess = why(pm, actor=world.member, answer="The recommender ranked the bag first")
    decide(guess, actor=world.member, status="refuted", note="The box is 'last seen', not recommendations.")
    alternative = why(pm, actor=world.member, answer="The 'last seen' box shows what the account viewed")
    decide(alternative, actor=world.member, status="confirmed")

    nodes = why_nodes(postmortem=pm)
    assert {node.pk: node.status for node in nodes} == {guess.pk: "refuted", alternative.pk: "confirmed"}
    assert [node.pk for node in root_cause_chain(nodes)] == [alternative.pk]
    with pytest.raises(Conflict, match="checked hypotheses stay on record"):
        why_node_delete(incident_id=pm.incident_id, node_id=guess.pk, actor=world.member)


def test_why_is_asked_again_only_of_a_confirmed_answer(world):
    pm = world.postmortem
    guess = why(pm, actor=world.member, answer="A shared family account")
    with pytest.raises(Conflict, match="only of a confirmed answer"):
        why(pm, actor=world.member, parent=guess, question="Why shared?", answer="Families share logins")
    decide(guess, actor=world.member, status="refuted")
    with pytest.raises(Conflict, match="refuted"):
        why(pm, actor=world.member, parent=guess, question="Why shared?", answer="Families share logins")


def test_the_root_cause_chain_is_the_longest_path_of_confirmed_answers(world):
    pm = world.postmortem
    chain = confirmed_chain(pm, actor=world.member, depth=3)
    side = why(pm, actor=world.member, parent=chain[0], question="Why also?", answer="A side effect")
    decide(side, actor=world.member, status="refuted")

    assert [node.pk for node in root_cause_chain(why_nodes(postmortem=pm))] == [node.pk for node in chain]


def test_a_node_cannot_hang_off_another_postmortem_or_itself(world):
    pm = world.postmortem
    other = team_postmortem_of_second_incident(world)
    foreign = why(other, actor=world.member, answer="Elsewhere")
    decide(foreign, actor=world.member, status="confirmed")
    with pytest.raises(InvalidInput, match="not in this post-mortem"):
        why(pm, actor=world.member, parent=foreign, answer="Orphan")

    top, middle = confirmed_chain(pm, actor=world.member, depth=2)
    with pytest.raises(InvalidInput, match="cycle"):
        why_node_update(incident_id=pm.incident_id, node_id=top.pk, actor=world.member, parent_id=middle.pk)
    with pytest.raises(InvalidInput, match="cycle"):
        why_node_update(incident_id=pm.incident_id, node_id=top.pk, actor=world.member, parent_id=top.pk)


def team_postmortem_of_second_incident(world):
    from tests.reports.factories import file_report

    incident = file_report(reporter=world.reporter, version=world.version, index=100, output="virginica").incident
    assert incident.pk != world.incident.pk
    return postmortem_start(incident_id=incident.pk, actor=world.member)[0]


def test_confirming_or_refuting_needs_a_justification_and_moves_follow_the_state_machine(world):
    node = why(world.postmortem, actor=world.member, answer="Unit changed")
    with pytest.raises(InvalidInput, match="what did the check show"):
        why_node_decide(incident_id=world.incident.pk, node_id=node.pk, actor=world.member, status="confirmed")
    decide(node, actor=world.member, status="confirmed")
    with pytest.raises(IllegalTransition) as error:
        decide(node, actor=world.member, status="refuted")
    assert error.value.allowed == ["proposed"]


def test_a_decided_answer_is_on_record_and_cannot_be_reworded(world):
    node = decide(why(world.postmortem, actor=world.member, answer="Unit changed"), actor=world.member,
                  status="confirmed")
    with pytest.raises(Conflict, match="on record"):
        why_node_update(incident_id=world.incident.pk, node_id=node.pk, actor=world.member, answer="Something else")


def test_a_decision_with_follow_up_whys_cannot_be_taken_back(world):
    top, _ = confirmed_chain(world.postmortem, actor=world.member, depth=2)
    with pytest.raises(Conflict, match="follow-up whys"):
        decide(top, actor=world.member, status="proposed", note="")


# --- Review and four eyes ---------------------------------------------------------------------

def test_approval_is_refused_while_the_chain_is_unchecked_or_the_category_missing(world):
    pm = world.postmortem
    postmortem_transition(incident_id=pm.incident_id, actor=world.member, to="in_review")
    why(pm, actor=world.member, answer="Still a guess")
    with pytest.raises(Conflict) as error:
        postmortem_transition(incident_id=pm.incident_id, actor=world.reviewer, to="approved")
    blockers = " ".join(error.value.extra["blockers"])
    assert "root-cause category" in blockers and "Still a guess" in blockers and "chain is empty" in blockers


def test_the_author_cannot_approve_their_own_postmortem(world):
    pm = _ready_for_review(world)
    world.member.memberships.update(role="reviewer")  # even a reviewer may not approve what they wrote
    from apps.accounts.access import forget_access

    forget_access(world.member)
    with pytest.raises(PermissionDenied, match="four eyes"):
        postmortem_transition(incident_id=pm.incident_id, actor=world.member, to="approved")


def test_only_a_reviewer_of_the_team_approves(world):
    pm = _ready_for_review(world)
    from tests.accounts.factories import member_of

    colleague = member_of(world.team)
    with pytest.raises(PermissionDenied, match="reviewers"):
        postmortem_transition(incident_id=pm.incident_id, actor=colleague, to="approved")


def test_a_reviewed_postmortem_is_approved_published_and_read_only(world):
    pm = _ready_for_review(world)
    approved = postmortem_transition(incident_id=pm.incident_id, actor=world.reviewer, to="approved")
    assert approved.approved_by == world.reviewer
    published = postmortem_transition(incident_id=pm.incident_id, actor=world.member, to="published")
    assert published.published_at is not None
    with pytest.raises(Conflict, match="approved"):
        postmortem_update(incident_id=pm.incident_id, actor=world.member, expected_version=None, summary="late edit")
    with pytest.raises(IllegalTransition):
        postmortem_transition(incident_id=pm.incident_id, actor=world.reviewer, to="draft")
    actions = list(AuditEvent.objects.filter(target_type="postmortems.postmortem", target_id=str(pm.pk))
                   .values_list("action", flat=True))
    assert actions.count("postmortem.transition") == 3 and "postmortem.why_decide" in actions


def test_sending_back_for_changes_keeps_the_reviewers_note(world):
    pm = _ready_for_review(world)
    postmortem_transition(incident_id=pm.incident_id, actor=world.reviewer, to="draft",
                          note="The impact section needs numbers.")
    assert pm.comments.get().body == "The impact section needs numbers."


def test_proposed_action_points_must_be_decided_by_someone_else_before_approval(world):
    pm = _ready_for_review(world)
    item = action_item_propose(incident_id=pm.incident_id, actor=world.reviewer, kind="detective",
                               title="Alert when a feature leaves its training range")
    with pytest.raises(Conflict, match="proposed action point"):
        postmortem_transition(incident_id=pm.incident_id, actor=world.reviewer, to="approved")
    with pytest.raises(PermissionDenied, match="four eyes"):
        action_item_review(item_id=item.pk, actor=world.reviewer, decision="accept")
    from tests.accounts.factories import member_of

    second_reviewer = member_of(world.team, "reviewer")
    accepted = action_item_review(item_id=item.pk, actor=second_reviewer, decision="accept", priority="P1")
    assert accepted.review_state == "accepted" and accepted.due_date is not None
    assert postmortem_transition(incident_id=pm.incident_id, actor=world.reviewer, to="approved").status == "approved"


# --- Optimistic locking ------------------------------------------------------------------------

def test_a_stale_edit_is_refused_and_names_who_changed_it(world):
    pm = world.postmortem
    opened_at = pm.version
    postmortem_update(incident_id=pm.incident_id, actor=world.reviewer, expected_version=opened_at,
                      summary="The reviewer's summary")
    with pytest.raises(PreconditionFailed) as error:
        postmortem_update(incident_id=pm.incident_id, actor=world.member, expected_version=opened_at,
                          summary="The member's summary")
    assert error.value.extra == {"current_version": opened_at + 1, "changed_by": "reviewer"}
    pm.refresh_from_db()
    assert pm.summary == "The reviewer's summary"


def test_adding_why_nodes_does_not_conflict_with_editing_sections(world):
    pm = world.postmortem
    opened_at = pm.version
    why(pm, actor=world.reviewer, answer="Added meanwhile")
    updated = postmortem_update(incident_id=pm.incident_id, actor=world.member, expected_version=opened_at,
                                summary="Saved fine")
    assert updated.summary == "Saved fine" and updated.revision > opened_at


# --- Hints -------------------------------------------------------------------------------------

def test_blaming_language_is_flagged_with_a_systems_framing_but_saved(world):
    pm = postmortem_update(incident_id=world.incident.pk, actor=world.member, expected_version=None,
                           went_wrong="Reviewer forgot to check the feature units. The checklist had no unit step.")
    hints = [hint for hint in postmortem_hints(postmortem=pm) if hint["kind"] == "blame"]
    assert len(hints) == 1
    assert hints[0]["field"] == "went_wrong" and hints[0]["phrase"] == "forgot"
    assert "checklist" in hints[0]["message"]
    assert pm.went_wrong.startswith("Reviewer forgot")


def test_neutral_text_gets_no_blame_hint(world):
    pm = postmortem_update(incident_id=world.incident.pk, actor=world.member, expected_version=None,
                           went_wrong="The deploy checklist had no step for checking feature units.")
    assert not [hint for hint in postmortem_hints(postmortem=pm) if hint["kind"] == "blame"]


def test_a_confirmed_answer_without_evidence_asks_for_it(world):
    node = decide(why(world.postmortem, actor=world.member, answer="Unit changed"), actor=world.member,
                  status="confirmed")
    hints = postmortem_hints(postmortem=world.postmortem)
    assert any(hint["kind"] == "evidence" and hint["why_node"] == node.pk for hint in hints)


def test_a_short_chain_is_nudged_toward_five_levels(world):
    confirmed_chain(world.postmortem, actor=world.member, depth=1)
    assert any(hint["kind"] == "depth" for hint in postmortem_hints(postmortem=world.postmortem))


def test_blockers_are_empty_when_everything_is_checked(world):
    confirmed_chain(world.postmortem, actor=world.member, depth=5)
    postmortem_update(incident_id=world.incident.pk, actor=world.member, expected_version=None,
                      root_cause_category="feature_pipeline")
    world.postmortem.refresh_from_db()
    assert approval_blockers(postmortem=world.postmortem) == []
    assert WhyStatus.PROPOSED not in {node.status for node in why_nodes(postmortem=world.postmortem)}


def test_a_stale_save_with_the_fields_it_was_opened_with_merges_only_what_nobody_else_changed():
    from apps.postmortems.field_fingerprints import fingerprints
    from apps.postmortems.models import Postmortem

    world = team_postmortem()
    pm = world.postmortem
    opened = fingerprints(pm, ["went_well", "went_wrong"])
    postmortem_update(incident_id=pm.incident_id, actor=world.reviewer, expected_version=1, went_well="Theirs")

    # Left alone (still the value it was opened with): not written back over theirs.
    merged = postmortem_update(incident_id=pm.incident_id, actor=world.member, expected_version=1, base=opened,
                               went_well="", went_wrong="Mine")
    assert (merged.went_well, merged.went_wrong, merged.version) == ("Theirs", "Mine", 3)

    with pytest.raises(PreconditionFailed) as stale:
        postmortem_update(incident_id=pm.incident_id, actor=world.member, expected_version=1, base=opened,
                          went_well="Also mine")
    assert stale.value.extra["fields"] == ["went_well"] and stale.value.extra["changed_by"] == "member"
    # Without `base` (the API's plain If-Match), any newer version is a conflict.
    with pytest.raises(PreconditionFailed):
        postmortem_update(incident_id=pm.incident_id, actor=world.member, expected_version=1, went_wrong="Mine")
    assert Postmortem.objects.get().went_well == "Theirs"


def test_action_points_that_all_fix_this_instance_get_a_nudge_toward_the_class_of_bug(world, client):
    def scope_hints() -> list[dict]:
        return [hint for hint in postmortem_hints(postmortem=world.postmortem) if hint["kind"] == "scope"]

    assert scope_hints() == []  # no action point yet: nothing to say
    instance = action_item_propose(incident_id=world.incident.pk, actor=world.member, kind="corrective",
                                   scope="instance", title="Hide the bag for this account")
    assert [hint["field"] for hint in scope_hints()] == ["action_items"]
    client.force_login(world.member)
    page = client.get(f"/incidents/{world.incident.pk}/postmortem/?section=actions").content.decode()
    assert "class of bug?" in page and "Every action point fixes this instance only." in page

    category = action_item_propose(incident_id=world.incident.pk, actor=world.member, kind="preventive",
                                   scope="category", title="Treat shared accounts as households")
    assert scope_hints() == []
    # A rejected class-of-bug point does not count: the hint comes back.
    action_item_review(item_id=category.pk, actor=world.reviewer, decision="reject", reason="Out of scope.")
    assert len(scope_hints()) == 1 and instance.scope == "instance"


def test_every_change_to_an_action_item_changes_the_number_meeting_screens_poll(world):
    # Action items sit below post-mortems and never touch them: the revision counts their versions.
    def revision() -> int:
        world.postmortem.refresh_from_db()
        return postmortem_revision(postmortem=world.postmortem)

    seen = [revision()]
    item = action_item_propose(incident_id=world.incident.pk, actor=world.member, title="Alert on units",
                               kind="detective")
    seen.append(revision())
    action_item_review(item_id=item.pk, actor=world.reviewer, decision="accept")
    seen.append(revision())
    action_item_transition(item_id=item.pk, actor=world.member, to="in_progress")  # from the ticket's own page
    seen.append(revision())
    action_item_update(item_id=item.pk, actor=world.member, priority="P1")
    seen.append(revision())
    assert seen == list(range(seen[0], seen[0] + 5))
