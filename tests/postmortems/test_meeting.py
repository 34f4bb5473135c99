"""The review meeting's presenter: one person of the team presents, the other screens learn where
they are from the revision they poll; moving slides is not a change of the post-mortem."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from apps.incidents.services import incident_update
from apps.postmortems.models import MeetingPresenter
from apps.postmortems.services import postmortem_present, postmortem_stop_presenting
from tests.postmortems.factories import team_postmortem

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return team_postmortem()


def _url(world, tail: str) -> str:
    return f"/incidents/{world.incident.pk}/postmortem/{tail}"


def _as(client, user):
    client.force_login(user)
    return client


# --- Service ------------------------------------------------------------------------------------

def test_the_presenter_moves_slides_without_changing_the_post_mortem(world):
    pm = world.postmortem
    pm.refresh_from_db()
    revision, updated_at, events = pm.revision, pm.updated_at, AuditEvent.objects.count()

    postmortem_present(incident_id=pm.incident_id, actor=world.member, section="facts", take_over=True)
    postmortem_present(incident_id=pm.incident_id, actor=world.member, section="whys")
    postmortem_present(incident_id=pm.incident_id, actor=world.member, section="review")

    presenter = MeetingPresenter.objects.get(postmortem=pm)
    assert (presenter.user, presenter.section) == (world.member, "review")
    pm.refresh_from_db()
    # Nobody's slides are fetched again, the agenda's "last change" stays, the history stays quiet.
    assert (pm.revision, pm.updated_at, AuditEvent.objects.count()) == (revision, updated_at, events)


def test_taking_over_changes_hands_and_the_old_presenter_cannot_take_it_back_by_moving(world):
    pm = world.postmortem
    postmortem_present(incident_id=pm.incident_id, actor=world.member, section="facts", take_over=True)
    postmortem_present(incident_id=pm.incident_id, actor=world.reviewer, section="impact", take_over=True)

    with pytest.raises(Conflict, match="reviewer took over presenting"):
        postmortem_present(incident_id=pm.incident_id, actor=world.member, section="timeline")
    with pytest.raises(Conflict, match="reviewer is presenting, not you"):
        postmortem_stop_presenting(incident_id=pm.incident_id, actor=world.member)
    presenter = MeetingPresenter.objects.get(postmortem=pm)
    assert (presenter.user, presenter.section) == (world.reviewer, "impact")

    postmortem_stop_presenting(incident_id=pm.incident_id, actor=world.reviewer)
    assert not MeetingPresenter.objects.filter(postmortem=pm).exists()
    with pytest.raises(Conflict, match="Nobody is presenting any more"):
        postmortem_present(incident_id=pm.incident_id, actor=world.reviewer, section="facts")


def test_only_people_who_work_on_the_post_mortem_present(world):
    pm = world.postmortem
    for person in (world.reporter, world.outsider):
        with pytest.raises(PermissionDenied):
            postmortem_present(incident_id=pm.incident_id, actor=person, section="facts", take_over=True)
    incident_update(incident_id=world.incident.pk, actor=world.admin, restricted=True)
    with pytest.raises(NotFound):
        postmortem_present(incident_id=pm.incident_id, actor=world.outsider, section="facts", take_over=True)
    assert not MeetingPresenter.objects.exists()


def test_an_unknown_slide_is_refused_naming_the_slides(world):
    with pytest.raises(InvalidInput, match="'slide-9' is not a slide of the meeting.*facts, timeline, whys"):
        postmortem_present(incident_id=world.incident.pk, actor=world.member, section="slide-9", take_over=True)
    assert not MeetingPresenter.objects.exists()


# --- Endpoints ----------------------------------------------------------------------------------

def test_the_presenter_endpoint_moves_the_slide_every_screen_polls(client, world):
    response = _as(client, world.member).post(_url(world, "presenter/"), {"section": "whys", "take_over": "1"})
    assert response.status_code == 200
    assert response.json()["presenter"] | {"moved_at": None} == {
        "username": "member", "section": "whys", "you": True, "moved_at": None}

    client.post(_url(world, "presenter/"), {"section": "impact"})
    # The reporter follows: the revision they poll says who presents and where, and it is not them.
    polled = _as(client, world.reporter).get(_url(world, "revision/")).json()
    assert polled["presenter"]["username"] == "member" and polled["presenter"]["section"] == "impact"
    assert polled["presenter"]["you"] is False
    assert {"revision", "status"} <= set(polled)

    _as(client, world.member).post(_url(world, "presenter/"), {"stop": "1"})
    assert client.get(_url(world, "revision/")).json()["presenter"] is None


def test_a_presenter_gone_idle_is_not_followed_any_more(client, world):
    postmortem_present(incident_id=world.incident.pk, actor=world.member, section="whys", take_over=True)
    MeetingPresenter.objects.update(moved_at=timezone.now() - timedelta(hours=3))
    assert _as(client, world.reviewer).get(_url(world, "revision/")).json()["presenter"] is None


@pytest.mark.parametrize("who, status", [("reporter", 403), ("outsider", 403)])
def test_people_outside_the_team_cannot_present(client, world, who, status):
    response = _as(client, getattr(world, who)).post(_url(world, "presenter/"), {"section": "whys", "take_over": "1"})
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert "Only the team that owns the model" in response.json()["detail"]
    assert not MeetingPresenter.objects.exists()


def test_an_outsider_of_a_restricted_incident_is_told_nothing_exists(client, world):
    incident_update(incident_id=world.incident.pk, actor=world.admin, restricted=True)
    response = _as(client, world.outsider).post(_url(world, "presenter/"), {"section": "whys", "take_over": "1"})
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("body, says", [
    ({"section": "nonsense", "take_over": "1"}, "'nonsense' is not a slide of the meeting"),
    ({"take_over": "1"}, "Say which slide you are on: send `section`"),
])
def test_a_bad_slide_is_a_400_that_says_what_to_send(client, world, body, says):
    response = _as(client, world.member).post(_url(world, "presenter/"), body)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert says in problem["detail"] and "review" in problem["detail"]
    assert problem["status"] == 400 and "section" in problem["errors"]


def test_a_move_after_someone_took_over_is_a_409_naming_them(client, world):
    _as(client, world.member).post(_url(world, "presenter/"), {"section": "facts", "take_over": "1"})
    postmortem_present(incident_id=world.incident.pk, actor=world.reviewer, section="lessons", take_over=True)
    response = client.post(_url(world, "presenter/"), {"section": "timeline"})
    assert response.status_code == 409 and response.json()["presenter"] == "reviewer"
    assert "reviewer took over presenting" in response.json()["detail"]


def test_the_presenter_endpoint_takes_posts_only(client, world):
    assert _as(client, world.member).get(_url(world, "presenter/")).status_code == 405
