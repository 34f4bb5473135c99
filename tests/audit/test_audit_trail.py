import pytest
from django.test import Client

from apps.audit.models import AuditEvent
from apps.incidents.services import incident_transition
from tests.accounts.factories import access_world, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return access_world()


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_change_through_the_api_records_actor_token_old_new_and_request_id(world):
    client = token_client(world.member)

    response = client.post(f"/api/v1/incidents/{world.incident.pk}/transition/", {"to": "triaged"}, format="json",
                           HTTP_X_REQUEST_ID="req-abc-123")

    event = AuditEvent.objects.get(action="incident.transition")
    assert response.status_code == 200
    assert event.actor == world.member
    assert event.token_label == f"tests ({client.token.prefix}…)"
    assert (event.old, event.new["status"]) == ({"status": "open"}, "triaged")
    assert event.request_id == response["X-Request-ID"]  # the server's own id, the one a user quotes
    assert event.client_request_id == "req-abc-123"


def test_two_requests_with_the_same_caller_chosen_id_stay_apart(world):
    """Callers choose X-Request-ID freely (a bot reusing one, a proxy restarting its counter):
    each request still gets an id of its own in the trail, with the caller's kept beside it."""
    client = token_client(world.member)
    moves = [client.post(f"/api/v1/incidents/{world.incident.pk}/transition/", {"to": to}, format="json",
                         HTTP_X_REQUEST_ID="bot-retry-1") for to in ("triaged", "investigating")]

    events = list(AuditEvent.objects.filter(action="incident.transition").order_by("id"))
    assert [move.status_code for move in moves] == [200, 200]
    assert len({event.request_id for event in events}) == 2
    assert [event.request_id for event in events] == [move["X-Request-ID"] for move in moves]
    assert [event.client_request_id for event in events] == ["bot-retry-1", "bot-retry-1"]
    assert [move["X-Client-Request-ID"] for move in moves] == ["bot-retry-1", "bot-retry-1"]

    page = _signed_in(world.admin)
    by_callers_id = page.get("/audit/", {"request_id": "bot-retry-1"}).content.decode()
    by_servers_id = page.get("/audit/", {"request_id": moves[0]["X-Request-ID"]}).content.decode()
    assert "2 events" in by_callers_id and "bot-retry-1" in by_callers_id
    assert "1 event" in by_servers_id


def test_admins_search_the_trail(world):
    incident_transition(incident_id=world.incident.pk, to="triaged", actor=world.member)
    page = _signed_in(world.admin)

    found = page.get("/audit/", {"action": "incident.transition", "actor": "member"}).content.decode()
    nothing = page.get("/audit/", {"action": "incident.transition", "actor": "reviewer"}).content.decode()

    assert "1 event" in found and "triaged" in found
    assert "0 events" in nothing


def test_the_filters_offer_actions_and_object_types_in_words_and_filter_by_their_codes(world):
    incident_transition(incident_id=world.incident.pk, to="triaged", actor=world.member)
    page = _signed_in(world.admin).get("/audit/").content.decode()

    assert '<option value="incident.transition">Incident: status moved</option>' in page
    assert '<option value="incidents.incident">Incident</option>' in page
    assert ">incident.transition</option>" not in page and ">incidents.incident</option>" not in page
    chosen = _signed_in(world.admin).get("/audit/", {"action": "incident.transition",
                                                     "target_type": "incidents.incident"}).content.decode()
    assert '<option value="incident.transition" selected>Incident: status moved</option>' in chosen
    assert "1 event" in chosen


def test_people_who_are_not_admins_cannot_read_the_trail(world):
    assert _signed_in(world.member).get("/audit/").status_code == 403
    assert Client().get("/audit/").status_code == 302


def test_a_bad_filter_is_a_clear_400(world):
    response = _signed_in(world.admin).get("/audit/", {"since": "yesterday-ish"})

    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_the_incident_page_shows_its_history(world):
    incident_transition(incident_id=world.incident.pk, to="triaged", actor=world.member)

    page = _signed_in(world.member).get(f"/incidents/{world.incident.pk}/").content.decode()

    assert f"member moved INC-{world.incident.pk} from open to triaged" in page


def test_audit_rows_cannot_be_changed_or_deleted_through_the_app(world):
    event = AuditEvent.objects.first()
    admin = _signed_in(world.admin)

    assert admin.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin.post(f"/admin/audit/auditevent/{event.pk}/change/", {"action": "x"}).status_code == 403
    with pytest.raises(ValueError):
        event.delete()
    event.action = "tampered"
    with pytest.raises(ValueError):
        event.save()
    assert AuditEvent.objects.filter(action="tampered").count() == 0


def test_the_audit_filters_read_like_the_other_filter_bars(world):
    page = _signed_in(world.admin).get("/audit/").content.decode()

    assert ">Contains</label>" in page and ":</label>" not in page
    assert ">Any action</option>" in page and ">Any object</option>" in page
