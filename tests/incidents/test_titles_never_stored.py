"""Readers outside the team read an incident's public title, but the title itself is the
team's: reading pages, the API and search as an outsider never changes the stored title, and
no incident object is handed out with a substituted title (a later save, or a cache, would
keep it)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.incidents.models import Incident
from apps.incidents.selectors import incident_get, incident_title_as_seen_by
from apps.incidents.services import incident_update
from apps.postmortems.selectors import postmortem_get
from apps.postmortems.services import postmortem_start, postmortem_transition
from tests.accounts.factories import access_world, token_client
from tests.actions.factories import accepted_ticket

pytestmark = pytest.mark.django_db

SECRET = "Customer 4411 (ACME GmbH) charged twice"
PUBLIC = "Invoices charged twice"


@pytest.fixture
def world():
    world = access_world()
    incident_update(incident_id=world.incident.pk, actor=None, title=SECRET, public_title=PUBLIC)
    postmortem_start(incident_id=world.incident.pk, actor=world.member)
    world.ticket = accepted_ticket(world)
    postmortem_transition(incident_id=world.incident.pk, actor=world.member, to="in_review")
    return world


@pytest.fixture
def title_writes(monkeypatch) -> list[tuple[int, str]]:
    """Every change of an Incident object's `title` after it was loaded, as (id, new title)."""
    writes: list[tuple[int, str]] = []
    original = Incident.__setattr__

    def watched(self, name, value):
        if name == "title" and "title" in self.__dict__ and self.__dict__["title"] != value:
            writes.append((self.pk, value))
        original(self, name, value)

    monkeypatch.setattr(Incident, "__setattr__", watched)
    return writes


def _read_everything(world, user) -> dict[str, str]:
    api, pk = token_client(user), world.incident.pk
    page = Client()
    page.force_login(user)
    return {
        "api": api.get(f"/api/v1/incidents/{pk}/").content.decode(),
        "api list": api.get("/api/v1/incidents/").content.decode(),
        "search api": api.get("/api/v1/search/", {"q": "invoices"}).content.decode(),
        "search page": page.get("/search/", {"q": "invoices"}).content.decode(),
        "list page": page.get("/incidents/").content.decode(),
        "incident page": page.get(f"/incidents/{pk}/").content.decode(),
        "post-mortem": page.get(f"/incidents/{pk}/postmortem/").content.decode(),
        "review agenda": page.get("/postmortems/meeting/").content.decode(),
        "meeting": page.get(f"/postmortems/meeting/{pk}/").content.decode(),
        "print": page.get(f"/incidents/{pk}/postmortem/print/").content.decode(),
        "action item": page.get(f"/actions/{world.ticket.pk}/").content.decode(),
        "insights": page.get("/insights/").content.decode(),
    }


def test_an_outsider_reads_the_public_title_and_the_stored_title_stays_the_team_s(world, title_writes):
    seen = _read_everything(world, world.outsider)

    for where in ("api", "api list", "search api", "list page", "incident page", "post-mortem", "review agenda",
                  "meeting", "print", "action item"):
        assert PUBLIC in seen[where], where
    for where, text in seen.items():
        assert "ACME" not in text, where
    assert title_writes == []
    assert Incident.objects.get(pk=world.incident.pk).title == SECRET


def test_the_team_still_reads_its_own_title_after_an_outsider_did(world, title_writes):
    _read_everything(world, world.outsider)
    seen = _read_everything(world, world.member)

    for where in ("api", "api list", "list page", "incident page", "post-mortem", "review agenda", "meeting", "print",
                  "action item"):
        assert "Customer 4411 (ACME GmbH)" in seen[where], where
    assert title_writes == []


def test_the_selectors_hand_out_incidents_as_stored_and_the_title_to_show_apart(world, title_writes):
    incident = incident_get(user=world.outsider, incident_id=world.incident.pk)
    postmortem = postmortem_get(user=world.outsider, incident_id=world.incident.pk)

    assert incident.title == postmortem.incident.title == SECRET
    assert incident_title_as_seen_by(user=world.outsider, incident=incident) == PUBLIC
    assert incident_title_as_seen_by(user=world.member, incident=incident) == SECRET
    assert title_writes == []
