"""API shapes and pages: the report's cached forensics, drift reports and their histograms."""

from __future__ import annotations

import pytest

from apps.forensics.services import drift_report_run, report_forensics_compute
from apps.forensics.templatetags.forensics_tags import drift_reason
from apps.incidents.models import Incident
from apps.reports.services import report_create
from tests.accounts.factories import TeamFactory, UserFactory, member_of, token_client
from tests.forensics.factories import NOW, log_wine, wine_row, wine_version

pytestmark = pytest.mark.django_db


def test_report_api_keeps_the_checks_contract_and_adds_forensics_for_the_team(client):
    team = TeamFactory()
    wine_version(team=team)
    reporter = UserFactory()
    member = member_of(team)
    features = wine_row(3) | {"proline": wine_row(3)["proline"] * 1000}
    report = report_create(reporter=reporter, model_name="wine", model_version="1.0", features=features,
                           output="class_0", title="odd")
    report_forensics_compute(report_id=report.pk)

    as_member = token_client(member).get(f"/api/v1/reports/{report.pk}/").json()
    as_reporter = token_client(reporter).get(f"/api/v1/reports/{report.pk}/").json()
    client.force_login(member)
    page = client.get(f"/reports/{report.pk}/").content.decode()

    first = as_member["input_checks"][0]
    assert {"feature", "value", "flags", "percentile", "reference", "score"} <= set(first)
    assert first["feature"] == "proline" and "scale_shift" in first["flags"]
    assert as_member["forensics"]["status"] == "succeeded"
    assert as_member["forensics"]["attribution"]["linear"]["features"][0]["feature"] == "proline"
    assert as_reporter["input_checks"][0]["feature"] == "proline" and as_reporter["forensics"] is None
    assert 'id="attribution-linear"' in page and "Most similar training rows" in page


def test_drift_api_and_page_show_the_shifted_feature(client):
    team = TeamFactory()
    version = wine_version(team=team)
    member = member_of(team)
    log_wine(version, count=300, start=NOW, scale={"proline": 1.5}, seed=5)
    api = token_client(member)

    queued = api.post("/api/v1/drift/", {"model": "wine", "model_version": "1.0", "from": NOW.isoformat(),
                                         "to": "2026-03-05T09:30:00Z"}, format="json")
    drift_report_run(drift_report_id=queued.json()["id"])
    body = api.get(f"/api/v1/drift/{queued.json()['id']}/").json()
    client.force_login(member)
    page = client.get(f"/forensics/drift/{body['id']}/").content.decode()

    assert queued.status_code == 202 and queued.json()["status"] == "queued"
    assert body["status"] == "succeeded" and body["drifted_features"] == ["proline"] and body["rows"] == 300
    assert body["features"]["proline"]["method"] == "ks" and body["dataset_drift"] is False
    assert 'data-feature="proline"' in page and "<svg" in page and "Some features drifted" in page
    # A person ran it and is looking: only the daily run opens an incident.
    assert body["incident"] is None and not Incident.objects.exists() and 'id="drift-no-incident"' in page


def test_drift_window_problems_are_problem_json():
    team = TeamFactory()
    wine_version(team=team)

    response = token_client(member_of(team)).post(
        "/api/v1/drift/", {"model": "wine", "model_version": "1.0", "from": "2026-03-05T00:00:00Z",
                           "to": "2026-03-04T00:00:00Z"}, format="json")

    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
    assert "from" in response.json()["errors"]


def test_report_page_without_reference_offers_to_attach_one(client):
    from tests.registry.factories import iris_row, trained_version

    version = trained_version(with_reference=False)
    user = UserFactory()
    report = report_create(reporter=user, model_name=version.model.name, model_version="1.0",
                           features=iris_row(0), output="setosa", title="odd")
    client.force_login(user)

    page = client.get(f"/reports/{report.pk}/").content.decode()

    assert 'id="no-reference"' in page and "--reference" in page


def test_the_drift_page_says_which_statistic_decided_each_verdict():
    kept = {"method": "ks", "drifted": False, "ks_p_value": 0.2134, "psi": 0.14}
    moved = {"method": "wasserstein", "drifted": True, "wasserstein_normed": 0.4567}
    assert drift_reason(kept) == "the KS test decides: p = 0.213, not below 0.05"
    assert drift_reason(moved) == "the normed Wasserstein distance decides: 0.457, at or over 0.1"
    assert drift_reason({"method": None, "note": "No values to compare."}) == "No values to compare."
