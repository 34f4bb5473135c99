"""The post-mortem API answers what its OpenAPI schema promises (Schemathesis checks the same
against the live app): nobody yet is null, no category yet is "", and a number is not text."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from apps.postmortems.services import action_item_propose
from tests.accounts.factories import token_client
from tests.postmortems.factories import team_postmortem, why

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def test_a_fresh_post_mortem_has_blank_and_null_fields_that_the_schema_allows(components):
    world = team_postmortem()
    why(world.postmortem, actor=world.member, answer="A guess")
    action_item_propose(incident_id=world.incident.pk, actor=world.member, title="Alert", kind="detective")

    body = token_client(world.member).get(f"/api/v1/incidents/{world.incident.pk}/postmortem/").json()

    assert body["root_cause_category"] == "" and body["approved_by"] is None
    assert body["why_nodes"][0]["decided_by"] is None
    item = body["action_items"][0]
    assert item["owner"] is None and item["reviewed_by"] is None and item["external_url"] == ""
    postmortem = components["Postmortem"]["properties"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in postmortem["root_cause_category"]["oneOf"]
    assert postmortem["approved_by"]["nullable"] and components["WhyNode"]["properties"]["decided_by"]["nullable"]
    action = components["ActionItem"]["properties"]
    assert action["owner"]["nullable"] and "format" not in action["external_url"]


def test_a_number_is_not_accepted_as_a_note():
    world = team_postmortem()
    node = why(world.postmortem, actor=world.member, answer="A guess")

    response = token_client(world.member).post(
        f"/api/v1/incidents/{world.incident.pk}/postmortem/why-nodes/{node.pk}/decision/",
        {"status": "refuted", "note": -39116}, format="json")

    assert response.status_code == 400 and "note" in response.json()["errors"]
