"""An incident's title is its first report's words, and that report is withheld from readers
outside the team: they read the team's public title, or "Incident #12 on model"."""

import pytest
from django.test import Client

from apps.incidents.services import incident_update
from apps.postmortems.services import postmortem_start, postmortem_transition
from tests.accounts.factories import access_world, token_client
from tests.actions.factories import accepted_ticket

pytestmark = pytest.mark.django_db

SECRET = "Customer 4411 (ACME GmbH) charged twice"


@pytest.fixture
def world():
    world = access_world()
    incident_update(incident_id=world.incident.pk, actor=None, title=SECRET)
    postmortem_start(incident_id=world.incident.pk, actor=world.member)
    world.ticket = accepted_ticket(world)
    postmortem_transition(incident_id=world.incident.pk, actor=world.member, to="in_review")
    return world


def _page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _everywhere(world, user) -> dict[str, str]:
    """What `user` reads about the incident: API detail and list, and every page that names it."""
    api, page, pk = token_client(user), _page(user), world.incident.pk
    listed = {row["id"]: row["title"] for row in api.get("/api/v1/incidents/").json()["results"]}
    return {
        "api": api.get(f"/api/v1/incidents/{pk}/").json()["title"],
        "api list": listed[pk],
        "list page": page.get("/incidents/").content.decode(),
        "incident page": page.get(f"/incidents/{pk}/").content.decode(),
        "home": page.get("/").content.decode(),
        "post-mortem": page.get(f"/incidents/{pk}/postmortem/").content.decode(),
        "review agenda": page.get("/postmortems/meeting/").content.decode(),
        "meeting": page.get(f"/postmortems/meeting/{pk}/").content.decode(),
        "print": page.get(f"/incidents/{pk}/postmortem/print/").content.decode(),
        "action item": page.get(f"/actions/{world.ticket.pk}/").content.decode(),
    }


def test_readers_outside_the_team_read_a_neutral_title(world):
    neutral = f"Incident #{world.incident.pk} on fraud-score"

    for reader in (world.outsider, world.reporter):
        seen = _everywhere(world, reader)
        assert seen["api"] == seen["api list"] == neutral
        for where, text in seen.items():
            assert SECRET not in text and "ACME" not in text, where
            assert neutral in text, where
    for reader in (world.member, world.reviewer, world.admin):
        seen = _everywhere(world, reader)
        assert seen["api"] == seen["api list"] == SECRET
        assert all("Customer 4411" in text for text in seen.values())


def test_the_team_sets_the_title_shown_outside_it(world):
    url = f"/api/v1/incidents/{world.incident.pk}/"

    set_by_team = token_client(world.member).patch(url, {"public_title": "Invoices charged twice"}, format="json")
    by_outsider = token_client(world.outsider).patch(url, {"public_title": "Mine now"}, format="json")

    assert set_by_team.status_code == 200
    assert set_by_team.json()["title"] == SECRET and set_by_team.json()["public_title"] == "Invoices charged twice"
    assert by_outsider.status_code == 403
    outside = token_client(world.outsider).get(url).json()
    assert outside["title"] == outside["public_title"] == "Invoices charged twice"
    assert "Invoices charged twice" in _page(world.outsider).get("/incidents/").content.decode()
    team_page = _page(world.member).get(f"/incidents/{world.incident.pk}/").content.decode()
    assert "outsiders read “Invoices charged twice”" in team_page and SECRET in team_page

    cleared = token_client(world.member).patch(url, {"public_title": ""}, format="json")
    too_long = token_client(world.member).patch(url, {"public_title": "x" * 201}, format="json")

    assert cleared.status_code == 200
    assert token_client(world.outsider).get(url).json()["title"] == f"Incident #{world.incident.pk} on fraud-score"
    assert too_long.status_code == 400 and "public_title" in too_long.json()["errors"]


def test_people_named_on_a_restricted_incident_read_its_title(world):
    incident_update(incident_id=world.incident.pk, actor=world.member, restricted=True,
                    restricted_to=[world.outsider])

    assert token_client(world.outsider).get(f"/api/v1/incidents/{world.incident.pk}/").json()["title"] == SECRET
