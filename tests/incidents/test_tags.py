"""Free tags on incidents: typed any way, one tag; merged by admins; counted within scope."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import InvalidInput, PermissionDenied
from apps.incidents.models import IncidentTag, Tag
from apps.incidents.tags import incident_tag_add, incident_tags, tag_counts, tag_merge
from tests.accounts.factories import access_world
from tests.incidents.factories import model_of, opened_incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """The shared world plus two incidents of its team's model "wine" and a restricted one of
    the other team's "ranking"."""
    world = access_world()
    wine = model_of("wine", team=world.team)
    world.first = opened_incident(model=wine, title="First")
    world.second = opened_incident(model=wine, title="Second")
    world.hidden = opened_incident(model=model_of("ranking", team=world.other_team), title="Hidden", restricted=True)
    return world


def test_a_tag_is_created_the_first_time_and_reused_however_it_is_typed(world):
    made = incident_tag_add(incident_id=world.first.pk, actor=world.member, name="  Checkout   Flow ")
    again = incident_tag_add(incident_id=world.second.pk, actor=world.member, name="checkout flow")
    incident_tag_add(incident_id=world.second.pk, actor=world.member, name="CHECKOUT flow")

    assert made == again and made.name == "checkout flow" and Tag.objects.count() == 1
    assert IncidentTag.objects.filter(incident=world.second).count() == 1
    assert AuditEvent.objects.filter(action="incident.tag_add", target_id=str(world.first.pk)).exists()


def test_only_who_may_change_the_incident_tags_it_and_odd_names_are_refused(world):
    with pytest.raises(PermissionDenied):
        incident_tag_add(incident_id=world.first.pk, actor=world.outsider, name="x")
    with pytest.raises(InvalidInput):
        incident_tag_add(incident_id=world.first.pk, actor=world.member, name="<script>")
    with pytest.raises(InvalidInput):
        incident_tag_add(incident_id=world.first.pk, actor=world.member, name="a" * 51)


def test_admins_merge_tags_and_the_old_name_stays_an_alias(world):
    typo = incident_tag_add(incident_id=world.first.pk, actor=world.member, name="chekout")
    right = incident_tag_add(incident_id=world.second.pk, actor=world.member, name="checkout")
    incident_tag_add(incident_id=world.second.pk, actor=world.member, name="chekout")
    with pytest.raises(PermissionDenied):
        tag_merge(actor=world.member, source_id=typo.pk, into_id=right.pk)

    tag_merge(actor=world.admin, source_id=typo.pk, into_id=right.pk)

    tags = incident_tags(incident_ids=[world.first.pk, world.second.pk])
    assert [tag.name for tag in tags[world.first.pk]] == ["checkout"]
    assert [tag.name for tag in tags[world.second.pk]] == ["checkout"]
    assert incident_tag_add(incident_id=world.first.pk, actor=world.member, name="Chekout") == right


def test_counts_cover_only_incidents_the_viewer_may_see(world):
    for incident in (world.first, world.second):
        incident_tag_add(incident_id=incident.pk, actor=world.member, name="units")
    incident_tag_add(incident_id=world.hidden.pk, actor=None, name="units")
    incident_tag_add(incident_id=world.hidden.pk, actor=None, name="secret")

    assert [(row.name, row.incidents) for row in tag_counts(user=world.member)] == [("units", 2)]
    assert [(row.name, row.incidents) for row in tag_counts(user=world.admin)] == [("units", 3), ("secret", 1)]


def test_a_tag_is_added_and_removed_in_place_on_the_incident_page(world, client):
    client.force_login(world.member)
    added = client.post(f"/incidents/{world.first.pk}/tags/", {"name": "Units"}, HTTP_HX_REQUEST="true")
    assert added.status_code == 200 and ">units<" in added.content.decode()
    tag = Tag.objects.get(name="units")

    removed = client.post(f"/incidents/{world.first.pk}/tags/{tag.pk}/remove/", HTTP_HX_REQUEST="true")

    assert removed.status_code == 200 and ">units<" not in removed.content.decode()
    assert not IncidentTag.objects.exists()
    refused = client.post(f"/incidents/{world.first.pk}/tags/", {"name": "  "}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "Type a tag" in refused.content.decode()
