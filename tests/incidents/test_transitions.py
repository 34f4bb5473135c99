import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import IllegalTransition, InvalidInput
from apps.incidents.models import IncidentStatus
from apps.incidents.services import incident_transition
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(user):
    return file_report(reporter=user, version=trained_version()).incident


def test_an_incident_moves_along_its_pipeline_and_each_move_is_audited(user, incident):
    for status in ("triaged", "investigating", "mitigated", "resolved", "closed"):
        incident = incident_transition(incident_id=incident.pk, to=status, actor=user)
        assert incident.status == status
    moves = AuditEvent.objects.filter(action="incident.transition", target_id=str(incident.pk))
    assert moves.count() == 5
    assert moves.first().new["status"] == "closed" and moves.first().old["status"] == "resolved"


def test_an_illegal_move_names_the_allowed_ones(user, incident):
    with pytest.raises(IllegalTransition) as error:
        incident_transition(incident_id=incident.pk, to="closed", actor=user)
    assert "resolved" in error.value.allowed and "closed" not in error.value.allowed


def test_declining_needs_an_explanation_for_the_reporter(user, incident):
    with pytest.raises(InvalidInput, match="reporters will see"):
        incident_transition(incident_id=incident.pk, to="declined", actor=user)
    declined = incident_transition(incident_id=incident.pk, to="declined", actor=user,
                                   note="Shared family accounts mix tastes; this is expected.")
    assert declined.resolution_note.startswith("Shared family")


def test_reopening_is_an_explicit_transition(user, incident):
    incident_transition(incident_id=incident.pk, to="resolved", actor=user)
    reopened = incident_transition(incident_id=incident.pk, to="open", actor=user)
    assert reopened.status == IncidentStatus.OPEN


def test_the_api_answers_409_with_allowed_transitions(api_client, incident):
    response = api_client.post(f"/api/v1/incidents/{incident.pk}/transition/", {"to": "closed"}, format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert "resolved" in response.json()["allowed_transitions"]

    ok = api_client.post(f"/api/v1/incidents/{incident.pk}/transition/", {"to": "triaged"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "triaged"


def test_the_api_reads_and_patches_an_incident(api_client, incident):
    body = api_client.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert body["report_count"] == 1 and body["status"] == "open"

    patched = api_client.patch(f"/api/v1/incidents/{incident.pk}/",
                               {"severity": "critical", "owner": api_client.user.username}, format="json")
    assert patched.status_code == 200
    assert patched.json()["severity"] == "critical" and patched.json()["owner"] == api_client.user.username

    bad = api_client.patch(f"/api/v1/incidents/{incident.pk}/", {"owner": "nobody-here"}, format="json")
    assert bad.status_code == 400 and "owner" in bad.json()["errors"]
    assert api_client.get("/api/v1/incidents/424242/").status_code == 404


def test_an_empty_owner_name_is_refused_and_null_clears_the_owner(api_client, incident):
    api_client.patch(f"/api/v1/incidents/{incident.pk}/", {"owner": api_client.user.username}, format="json")

    empty = api_client.patch(f"/api/v1/incidents/{incident.pk}/", {"owner": ""}, format="json")
    assert empty.status_code == 400
    assert empty.json()["errors"] == {"owner": ["Give a username, or null to leave the incident without an owner."]}
    assert api_client.get(f"/api/v1/incidents/{incident.pk}/").json()["owner"] == api_client.user.username

    cleared = api_client.patch(f"/api/v1/incidents/{incident.pk}/", {"owner": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["owner"] is None
