"""Reads of post-mortems: the facts and timeline show only the reports a person may see, and
the check that decides which review moves a page offers is the one the service enforces."""

from __future__ import annotations

import pytest

from apps.core.errors import Conflict, IllegalTransition, PermissionDenied
from apps.incidents.models import Incident
from apps.incidents.services import incident_reopen_for_regression, incident_transition
from apps.postmortems.selectors import postmortem_facts, postmortem_timeline, transition_problem
from apps.postmortems.selectors.why_tree import approval_blockers
from apps.postmortems.services import postmortem_transition, postmortem_update
from apps.replays.services import replay_start
from tests.accounts.factories import UserFactory
from tests.postmortems.factories import confirmed_chain, team_postmortem, why
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = team_postmortem()
    world.other_report = file_report(reporter=UserFactory(username="other-reporter"), version=world.version,
                                     index=1, title="Someone else's observation")
    assert world.other_report.incident_id == world.incident.pk
    return world


def test_a_reporter_sees_only_their_own_report_in_the_facts_and_timeline(world):
    replay_start(actor=world.member, model_version=world.version, reports=[world.report])

    mine = postmortem_facts(user=world.reporter, postmortem=world.postmortem)
    team = postmortem_facts(user=world.member, postmortem=world.postmortem)

    assert [fact.report.pk for fact in mine.reports] == [world.report.pk]
    assert {fact.report.pk for fact in team.reports} == {world.report.pk, world.other_report.pk}
    assert mine.replays == () and len(team.replays) == 1  # replays are team work
    timeline = " ".join(item.text for item in postmortem_timeline(user=world.reporter, postmortem=world.postmortem))
    assert "Someone else's observation" not in timeline and f"WTF-{world.report.pk} filed via" in timeline


def _ready(world):
    pm = world.postmortem
    confirmed_chain(pm, actor=world.member, depth=5)
    postmortem_update(incident_id=pm.incident_id, actor=world.member, expected_version=None,
                      root_cause_category="ui_product_surface")
    return postmortem_transition(incident_id=pm.incident_id, actor=world.member, to="in_review")


def test_transition_problem_says_what_the_service_would_refuse(world):
    pm = world.postmortem
    assert isinstance(transition_problem(user=world.member, postmortem=pm, to="approved"), IllegalTransition)
    assert transition_problem(user=world.member, postmortem=pm, to="in_review") is None

    why(pm, actor=world.member, answer="Unchecked")
    pm = postmortem_transition(incident_id=pm.incident_id, actor=world.member, to="in_review")
    blocked = transition_problem(user=world.reviewer, postmortem=pm, to="approved")
    assert isinstance(blocked, Conflict) and "Choose the root-cause category." in blocked.extra["blockers"]
    assert isinstance(transition_problem(user=world.member, postmortem=pm, to="draft"), PermissionDenied)
    with pytest.raises(Conflict) as refused:
        postmortem_transition(incident_id=pm.incident_id, actor=world.reviewer, to="approved")
    assert refused.value.detail == blocked.detail


def test_the_author_is_never_offered_approval_and_a_reviewer_is_once_nothing_blocks(world):
    pm = _ready(world)
    assert transition_problem(user=world.reviewer, postmortem=pm, to="approved") is None
    refusal = transition_problem(user=world.postmortem.author, postmortem=pm, to="approved")
    assert isinstance(refusal, PermissionDenied)


def test_the_meeting_agenda_keeps_the_order_post_mortems_were_sent_for_review(world):
    from apps.postmortems.selectors import postmortem_agenda
    from apps.postmortems.services import postmortem_start
    from tests.registry.factories import trained_version

    first = world.postmortem
    other_report = file_report(reporter=world.reporter, version=trained_version("fraud-score-v2", team=world.team))
    second, _ = postmortem_start(incident_id=other_report.incident_id, actor=world.member)
    for postmortem in (first, second):
        postmortem_transition(incident_id=postmortem.incident_id, actor=world.member, to="in_review")

    def agenda() -> list[int]:
        return [postmortem.pk for postmortem in postmortem_agenda(user=world.reviewer)]

    why(first, actor=world.member, answer="Discussed in the meeting, so changed last")
    assert agenda() == [first.pk, second.pk]

    # Changes requested and sent again: it goes to the back of the queue.
    postmortem_transition(incident_id=first.incident_id, actor=world.reviewer, to="draft", note="Check the join.")
    assert agenda() == [second.pk]
    postmortem_transition(incident_id=first.incident_id, actor=world.member, to="in_review")
    assert agenda() == [second.pk, first.pk]


def test_a_regression_reopening_the_incident_is_on_the_timeline(world):
    # The timeline picks the incident's events by audit action; a regression used to be looked up
    # under a name no event carries, so it never showed.
    incident_transition(incident_id=world.incident.pk, to="resolved", actor=world.member, note="Fixed in 1.1")
    incident_reopen_for_regression(incident=Incident.objects.get(pk=world.incident.pk), report=world.other_report,
                                   actor=world.member)

    timeline = " ".join(item.text for item in postmortem_timeline(user=world.member, postmortem=world.postmortem))
    assert f"as a regression (WTF-{world.other_report.pk} on version" in timeline


def test_the_reviewer_reads_how_many_action_points_wait_in_plain_words(world):
    def waiting(count: int) -> list[str]:
        return [line for line in approval_blockers(postmortem=world.postmortem, undecided_items=count)
                if "action point" in line]

    assert waiting(1) == ["Accept or reject the proposed action point."]
    assert waiting(3) == ["Accept or reject the 3 proposed action points."]
    assert waiting(0) == []
