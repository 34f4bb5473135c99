"""Restricting an incident from its page: the team restricts it and names people from a
picker, lifts the restriction, and sets the title readers outside the team see — through the
same audited service as the API."""

from __future__ import annotations

import pytest

from apps.audit.models import AuditEvent
from apps.incidents.models import Incident
from tests.accounts.factories import access_world

pytestmark = pytest.mark.django_db


def _post(client, user, incident, **data):
    client.force_login(user)
    return client.post(f"/incidents/{incident.pk}/access/", data, follow=True)


def test_the_team_restricts_an_incident_to_the_people_it_names_and_lifts_it_again(client):
    world = access_world()

    page = _post(client, world.member, world.incident, restricted="on", restricted_to=["outsider"]).content.decode()

    incident = Incident.objects.get(pk=world.incident.pk)
    assert incident.restricted and [user.username for user in incident.restricted_to.all()] == ["outsider"]
    assert "is restricted: only the team, outsider and admins see it." in page
    assert '<option value="outsider" selected>' in page
    assert AuditEvent.objects.filter(action="incident.update", new__restricted=True).exists()

    page = _post(client, world.member, world.incident, public_title="Invoices scored oddly").content.decode()
    incident.refresh_from_db()
    assert not incident.restricted and not incident.restricted_to.exists()
    assert incident.public_title == "Invoices scored oddly" and "outsiders read “Invoices scored oddly”" in page


def test_the_picker_offers_people_not_bots(client):
    world = access_world()
    client.force_login(world.member)

    page = client.get(f"/incidents/{world.incident.pk}/").content.decode()
    panel = page.split('id="access"')[1].split("</section>")[0]

    assert '<option value="outsider">' in panel and '<option value="intake-bot">' not in panel


def test_people_outside_the_team_get_no_panel_and_cannot_post(client):
    world = access_world()
    client.force_login(world.outsider)

    assert 'id="access"' not in client.get(f"/incidents/{world.incident.pk}/").content.decode()
    assert client.post(f"/incidents/{world.incident.pk}/access/", {"restricted": "on"}).status_code == 403
    assert not Incident.objects.get(pk=world.incident.pk).restricted


def test_an_unknown_person_is_named_back_not_a_500(client):
    world = access_world()

    page = _post(client, world.member, world.incident, restricted="on", restricted_to=["nobody-here"])

    assert page.status_code == 200 and "People named besides the team: Select a valid choice." in page.content.decode()
    assert not Incident.objects.get(pk=world.incident.pk).restricted
