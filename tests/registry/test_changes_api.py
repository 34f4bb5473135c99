"""`POST /api/v1/changes/` (contract) and the list of a model's changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import INTAKE_SCOPES, TokenScope
from apps.audit.models import AuditEvent
from apps.registry.models import ChangeEvent
from tests.accounts.factories import UserFactory, access_world, token_client

pytestmark = pytest.mark.django_db
URL = "/api/v1/changes/"


@pytest.fixture
def world():
    return access_world()


def _session(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_team_member_records_a_deploy_of_their_model(world):
    at = timezone.now() - timedelta(minutes=30)
    response = _session(world.member).post(URL, {
        "model": "fraud-score", "kind": "deploy", "description": "Serving image 2026.12.1",
        "at": at.isoformat(), "link": "https://ci.example.com/runs/412"}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["model"] == "fraud-score" and body["kind"] == "deploy" and body["recorded_by"] == "member"
    assert body["link"] == "https://ci.example.com/runs/412" and body["id"]
    event = ChangeEvent.objects.get(pk=body["id"])
    assert abs((event.at - at).total_seconds()) < 1
    assert AuditEvent.objects.filter(action="change.record", target_id=str(event.pk)).exists()


def test_a_bot_with_an_intake_key_records_a_pipeline_change_and_its_key_is_named(world):
    client = token_client(world.bot, scopes=INTAKE_SCOPES)

    response = client.post(URL, {"model": "fraud-score", "kind": "feature_pipeline",
                                 "description": "amount now in cents"}, format="json")

    assert response.status_code == 201, response.content
    event = ChangeEvent.objects.get(pk=response.json()["id"])
    assert event.recorded_by == world.bot and event.recorded_via.startswith("tests")


@pytest.mark.parametrize("who, scopes, body, needs", [
    ("outsider", None, {"model": "fraud-score"}, "team that owns 'fraud-score'"),
    ("reporter", None, {}, "Only members of a team"),
    ("bot", [s for s in INTAKE_SCOPES if s != TokenScope.CHANGES_RECORD], {"model": "fraud-score"}, "limited to"),
])
def test_who_may_not_record_gets_a_403_that_says_why(world, who, scopes, body, needs):
    client = token_client(getattr(world, who), scopes=scopes)

    response = client.post(URL, {"kind": "config", "description": "x", **body}, format="json")

    assert response.status_code == 403 and needs in response.json()["detail"]
    assert not ChangeEvent.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"kind": "release"}, "kind"),
    ({"model": "no-such-model"}, "model"),
    ({"at": "2026-11-23T09:30:00"}, "at"),
    ({"at": "yesterday"}, "at"),
    ({"at": (timezone.now() + timedelta(hours=2)).isoformat()}, "at"),
    ({"link": "javascript:alert(1)"}, "link"),
    ({"description": "  "}, "description"),
])
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(world, body, field):
    response = _session(world.member).post(URL, {"kind": "deploy", "description": "Rolled out", **body},
                                           format="json")

    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]
    assert not ChangeEvent.objects.exists()


def test_the_list_holds_recorded_changes_and_version_registrations_for_the_team_only(world):
    _session(world.member).post(URL, {"model": "fraud-score", "kind": "rollout", "description": "10% → 50%"},
                                format="json")

    rows = _session(world.member).get(URL, {"model": "fraud-score"}).json()["results"]
    assert [row["kind"] for row in rows] == ["rollout", "version"]
    assert rows[1]["version"] == world.version.version and rows[1]["id"] is None

    assert _session(world.outsider).get(URL, {"model": "fraud-score"}).json()["results"] == []
    assert APIClient().get(URL).status_code in (401, 403)
    assert _session(UserFactory()).get(URL, {"model": "nope"}).status_code == 404
