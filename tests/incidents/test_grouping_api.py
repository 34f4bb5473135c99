"""The grouping API: what an incident shows, merge and move, the fix version; shapes,
validation and the problem+json answers. Who may call what is pinned in
tests/accounts/test_permission_matrix.py."""

from __future__ import annotations

import pytest

from apps.incidents.models import IncidentStatus
from tests.accounts.factories import UserFactory
from tests.registry.factories import iris_row, trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
SETOSA, VIRGINICA = 0, 100


@pytest.fixture
def version():
    return trained_version()


def incident_url(incident_id: int, action: str = "") -> str:
    return f"/api/v1/incidents/{incident_id}/" + (f"{action}/" if action else "")


def test_filing_the_same_problem_twice_answers_the_same_incident(api_client, version):
    body = {"model": "iris", "model_version": "1.0", "output": "setosa", "title": "Odd"}
    first = api_client.post("/api/v1/reports/", body | {"features": iris_row(0)}, format="json").json()
    second = api_client.post("/api/v1/reports/", body | {"features": iris_row(1)}, format="json").json()

    assert first["incident"] == second["incident"]
    assert first["fingerprint"] == second["fingerprint"] and second["grouping_locked"] is False


def test_an_incident_shows_counts_first_and_last_seen_and_versions(api_client, user, version):
    newer = trained_version(version="1.1")
    first = file_report(reporter=user, version=version, index=0)
    last = file_report(reporter=UserFactory(), version=newer, index=1)

    body = api_client.get(incident_url(first.incident_id)).json()

    assert body["report_count"] == 2 and body["reporter_count"] == 2
    assert body["first_seen"].startswith(first.created_at.isoformat()[:19])
    assert body["last_seen"].startswith(last.created_at.isoformat()[:19])
    assert body["model_versions"] == ["1.0", "1.1"]
    assert body["fixed_in_version"] is None and body["merged_into"] is None
    assert body["fingerprint"] == first.fingerprint
    assert body["fingerprint_label"] == "iris · output setosa · no suspicious input"


def test_the_incident_list_reads_versions_for_a_whole_page_at_once(api_client, user, version,
                                                                   django_assert_max_num_queries):
    for index in (SETOSA, VIRGINICA):
        file_report(reporter=user, version=version, index=index)
    with django_assert_max_num_queries(12) as few:
        api_client.get("/api/v1/incidents/")
    for index in (50, 51, 52):
        file_report(reporter=user, version=version, index=index, output=f"odd-{index}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = api_client.get("/api/v1/incidents/").json()
    assert body["count"] == 5 and all(item["model_versions"] == ["1.0"] for item in body["results"])


def test_the_fix_version_is_set_when_resolving_and_with_patch(api_client, user, version):
    trained_version(version="1.1")
    incident_id = file_report(reporter=user, version=version).incident_id

    resolved = api_client.post(incident_url(incident_id, "transition"), {"to": "resolved", "fixed_in_version": "1.1"},
                               format="json")
    assert resolved.status_code == 200 and resolved.json()["fixed_in_version"] == "1.1"

    cleared = api_client.patch(incident_url(incident_id), {"fixed_in_version": None}, format="json")
    assert cleared.status_code == 200 and cleared.json()["fixed_in_version"] is None
    again = api_client.patch(incident_url(incident_id), {"fixed_in_version": "1.0"}, format="json")
    assert again.json()["fixed_in_version"] == "1.0"


@pytest.mark.parametrize("method, action, body", [
    ("patch", "", {"fixed_in_version": "9.9"}),
    ("post", "transition", {"to": "resolved", "fixed_in_version": "9.9"}),
    ("post", "transition", {"to": "triaged", "fixed_in_version": "1.0"}),
])
def test_a_bad_fix_version_is_a_400_naming_the_field(api_client, user, version, method, action, body):
    incident_id = file_report(reporter=user, version=version).incident_id

    response = getattr(api_client, method)(incident_url(incident_id, action), body, format="json")

    assert response.status_code == 400 and response["Content-Type"] == PROBLEM
    assert "fixed_in_version" in response.json()["errors"]


def test_merging_answers_the_target_with_every_report(api_client, user, version):
    target = file_report(reporter=user, version=version, index=SETOSA).incident
    source = file_report(reporter=UserFactory(), version=version, index=VIRGINICA).incident

    response = api_client.post(incident_url(source.pk, "merge"), {"into": target.pk}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["id"] == target.pk and response.json()["report_count"] == 2
    merged = api_client.get(incident_url(source.pk)).json()
    assert merged["status"] == "duplicate" and merged["merged_into"] == target.pk and merged["report_count"] == 0


def test_nonsense_merges_are_409_problems(api_client, user, version):
    incident = file_report(reporter=user, version=version, index=SETOSA).incident
    closed = file_report(reporter=user, version=version, index=VIRGINICA).incident
    for status in ("resolved", "closed"):
        api_client.post(incident_url(closed.pk, "transition"), {"to": status}, format="json")

    itself = api_client.post(incident_url(incident.pk, "merge"), {"into": incident.pk}, format="json")
    into_closed = api_client.post(incident_url(incident.pk, "merge"), {"into": closed.pk}, format="json")
    from_closed = api_client.post(incident_url(closed.pk, "merge"), {"into": incident.pk}, format="json")

    for response in (itself, into_closed, from_closed):
        assert response.status_code == 409 and response["Content-Type"] == PROBLEM
    assert "into itself" in itself.json()["detail"]
    assert "is closed" in into_closed.json()["detail"]
    assert from_closed.json()["allowed_transitions"] == ["open"]  # the state machine's answer


@pytest.mark.parametrize("body, status", [({}, 400), ({"into": "INC-3"}, 400), ({"into": 987654}, 404)])
def test_bad_merge_requests_are_explained(api_client, user, version, body, status):
    incident = file_report(reporter=user, version=version).incident

    response = api_client.post(incident_url(incident.pk, "merge"), body, format="json")

    assert response.status_code == status and response["Content-Type"] == PROBLEM
    if status == 400:
        assert "into" in response.json()["errors"]


def test_moving_a_report_answers_it_in_its_new_incident(api_client, user, version):
    stays, leaves = (file_report(reporter=user, version=version, index=i) for i in (0, 1))
    elsewhere = file_report(reporter=user, version=version, index=VIRGINICA).incident

    out = api_client.post(f"/api/v1/reports/{leaves.pk}/move/", {"incident": None}, format="json")
    assert out.status_code == 200, out.content
    assert out.json()["incident"] not in (stays.incident_id, elsewhere.pk)
    assert out.json()["grouping_locked"] is True and out.json()["incident_status"] == IncidentStatus.OPEN

    back = api_client.post(f"/api/v1/reports/{stays.pk}/move/", {"incident": elsewhere.pk}, format="json")
    assert back.status_code == 409 and "only report" in back.json()["detail"]  # stays is alone now


@pytest.mark.parametrize("body, status", [({}, 400), ({"incident": "new"}, 400), ({"incident": 987654}, 404)])
def test_bad_move_requests_are_explained(api_client, user, version, body, status):
    report = file_report(reporter=user, version=version)
    file_report(reporter=user, version=version, index=1)

    response = api_client.post(f"/api/v1/reports/{report.pk}/move/", body, format="json")

    assert response.status_code == status and response["Content-Type"] == PROBLEM
    if status == 400:
        assert "incident" in response.json()["errors"]


def test_the_schema_documents_merge_move_and_the_new_fields(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert "/api/v1/incidents/{id}/merge/" in schema["paths"]
    assert "/api/v1/reports/{id}/move/" in schema["paths"]
    merge = schema["paths"]["/api/v1/incidents/{id}/merge/"]["post"]
    assert {"200", "403", "404", "409"} <= set(merge["responses"])
    incident = schema["components"]["schemas"]["Incident"]["properties"]
    assert {"first_seen", "last_seen", "model_versions", "fixed_in_version", "merged_into", "report_count",
            "reporter_count"} <= set(incident)
    transition = schema["components"]["schemas"]["IncidentTransitionRequest"]["properties"]
    assert "fixed_in_version" in transition
