"""A small history to search, built through the services as people build it.

Around `access_world()` (model fraud-score of team "fraud"):
- `world.incident` (the reporter's report, tagged "units"): its post-mortem discusses
  milliseconds — in the summary, the facts, two whys and a contributing factor (training–serving
  skew) — and has an action item with a comment;
- `world.passing` (tagged "checkout"): another incident whose one report mentions milliseconds once, in passing;
- `world.secret`: a restricted incident whose report and public title both say milliseconds;
- `world.foreign`: a report about another team's model ("search" team's ranker) saying milliseconds."""

from __future__ import annotations

from apps.actions.services import action_item_comment_add
from apps.incidents.services import incident_update
from apps.incidents.tags import incident_tag_add
from apps.postmortems.services import contributing_factor_add, postmortem_start, postmortem_update
from tests.accounts.factories import access_world
from tests.actions.factories import accepted_ticket
from tests.postmortems.factories import why
from tests.registry.factories import trained_version
from tests.reports.factories import file_report


def search_world():
    world = access_world()
    member = world.member
    postmortem, _ = postmortem_start(incident_id=world.incident.pk, actor=member)
    world.postmortem = postmortem_update(
        incident_id=world.incident.pk, actor=member, expected_version=postmortem.version,
        summary="Transaction age arrived in milliseconds instead of seconds after the feature pipeline change.",
        facts="Every flagged request had an age in milliseconds; the training data holds seconds.",
        root_cause_category="feature_pipeline", went_wrong="Nobody checked the units <b>before</b> release.")
    why(world.postmortem, actor=member, question="Why was the age so large?",
        answer="The pipeline started sending milliseconds.")
    why(world.postmortem, actor=member, question="Why did nobody notice the milliseconds?",
        answer="No check compares units with the training reference.")
    contributing_factor_add(incident_id=world.incident.pk, actor=member, category="training_serving_skew",
                            description="Serving computed the age in milliseconds, training in seconds.")
    incident_tag_add(incident_id=world.incident.pk, actor=member, name="units")
    world.item = accepted_ticket(world, title="Alert when a feature's unit changes")
    action_item_comment_add(item_id=world.item.pk, actor=member, body="Draft alert fires on a 1000× jump in age.")

    world.passing_report = file_report(reporter=member, version=world.version, index=60,
                                       title="Scores look off for returning customers",
                                       description="Latency was fine, a few milliseconds, but the scores were odd.",
                                       context={"surface": "checkout"})
    world.passing = world.passing_report.incident
    incident_tag_add(incident_id=world.passing.pk, actor=member, name="checkout")

    world.secret_report = file_report(reporter=member, version=world.version, index=120,
                                      title="Milliseconds leak in the VIP scoring",
                                      description="A VIP's account age in milliseconds.", context={"surface": "vip"})
    world.secret = incident_update(incident_id=world.secret_report.incident_id, actor=member, restricted=True,
                                   public_title="Milliseconds scoring glitch")

    ranker = trained_version("ranker", team=world.other_team)
    world.foreign = file_report(reporter=world.outsider, version=ranker, title="Ranker timeouts in milliseconds",
                                description="Milliseconds everywhere.")
    return world
