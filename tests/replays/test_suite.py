"""The regression suite: resolved reports with an agreed expected outcome, replayed on a new
version and classified pass / regressed / still failing; the command gates releases."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.errors import InvalidInput, PermissionDenied
from apps.replays.expectations import expectation_met
from apps.replays.models import Replay, ReplayStatus
from apps.replays.services import expected_outcome_set
from tests.accounts.factories import TeamFactory, UserFactory, member_of
from tests.registry.factories import trained_version
from tests.replays.factories import constant_version, regression_case, replayed
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

TOLERANCE = {"abs_tol": 0.01, "rel_tol": 0.0}


@pytest.mark.parametrize("predicate, value, field, output, met", [
    ("equals", "setosa", "", "setosa", True),
    ("equals", "setosa", "", "virginica", False),
    ("equals", 0.5, "", 0.505, True),  # scores within the model's tolerance
    ("equals", 2, "", 3, False),  # integer labels exactly
    ("not_equals", "womens-bag", "", "mens-shoe", True),
    ("not_equals", "womens-bag", "", "womens-bag", False),
    ("in_set", ["setosa", "versicolor"], "", "versicolor", True),
    ("in_set", ["setosa", "versicolor"], "", "virginica", False),
    ("score_below", 0.3, "", 0.29, True),
    ("score_below", 0.3, "", 0.3, False),
    ("score_above", 0.7, "score", {"label": "fraud", "score": 0.9}, True),
    ("score_above", 0.7, "score", {"label": "fraud", "score": 0.6}, False),
    ("score_above", 0.7, "score", {"label": "fraud"}, False),  # no score: not met
    ("score_above", 0.7, "", "fraud", False),  # a label is no score
    ("equals", "fraud", "label", {"label": "fraud", "score": 0.9}, True),
])
def test_expected_outcome_predicates(predicate, value, field, output, met):
    assert expectation_met(predicate=predicate, value=value, field=field, output=output, **TOLERANCE) is met


@pytest.mark.parametrize("predicate, value", [("in_set", []), ("in_set", "setosa"), ("score_below", "high"),
                                              ("score_above", 10**400),
                                              ("score_above", None), ("sounds_right", "x")])
def test_an_expectation_that_cannot_be_checked_is_refused(user, predicate, value):
    report = file_report(reporter=user, version=trained_version())
    with pytest.raises(InvalidInput):
        expected_outcome_set(actor=user, report=report, predicate=predicate, value=value)


@pytest.fixture
def suite_world(user):
    """Version 1.0 (the real iris model) passes two cases; 2.0 answers 'virginica' for all."""
    v1 = trained_version()
    fixed = regression_case(user, v1, index=0, predicate="equals", value="setosa", title="Setosa became virginica")
    never = regression_case(user, v1, index=1, predicate="equals", value="versicolor", title="Never right")
    kept = regression_case(user, v1, index=2, predicate="not_equals", value="versicolor", title="Kept")
    v2 = constant_version("virginica")
    return v1, v2, fixed, never, kept


def test_a_suite_run_classifies_each_case_against_earlier_versions(user, suite_world):
    v1, v2, fixed, never, kept = suite_world
    first = replayed(user, v1, [fixed, never, kept], suite=True)
    assert (first.passed, first.regressed, first.still_failing) == (2, 0, 1)

    second = replayed(user, v2, [fixed, never, kept], suite=True)

    assert second.status == ReplayStatus.SUCCEEDED
    verdicts = {result.report_id: result.verdict for result in second.results.all()}
    assert verdicts == {fixed.pk: "regressed", never.pk: "still_failing", kept.pk: "pass"}
    assert (second.passed, second.regressed, second.still_failing) == (1, 1, 1)


def test_the_logged_output_of_an_earlier_version_counts_as_having_passed(user):
    v1 = trained_version()
    report = regression_case(user, v1, index=0, predicate="equals", value="setosa")  # logged 'setosa' on 1.0
    v2 = constant_version("virginica")
    replay = replayed(user, v2, [report], suite=True)
    assert replay.results.get().verdict == "regressed"


def test_replay_suite_exits_1_on_a_regression_and_prints_a_table(user, suite_world, capsys):
    v1, v2, fixed, never, kept = suite_world
    call_command("replay_suite", "iris", "1.0")  # passes: no exit
    assert "2 pass, 0 regressed, 1 still failing" in capsys.readouterr().out

    with pytest.raises(SystemExit) as exit_info:
        call_command("replay_suite", "iris", "2.0")

    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].split()[:3] == ["report", "verdict", "expected"]
    regressed_line = next(line for line in lines if line.startswith(f"WTF-{fixed.pk} "))
    assert "REGRESSED" in regressed_line and "virginica" in regressed_line
    assert "Setosa became virginica" in regressed_line
    assert "1 pass, 1 regressed, 1 still failing" in captured.err
    # The run is kept like one started from the model page, with the verdicts the table printed.
    run = Replay.objects.get(model_version=v2, suite=True)
    assert (run.status, run.passed, run.regressed, run.still_failing) == (ReplayStatus.SUCCEEDED, 1, 1, 1)


def test_replay_suite_with_nothing_to_check_passes_and_says_so(user, capsys):
    trained_version()
    call_command("replay_suite", "iris", "1.0")  # no SystemExit: a CI step with no cases yet passes

    assert "has an expected outcome: nothing to check" in capsys.readouterr().out
    assert not Replay.objects.exists()


def test_replay_suite_on_an_unusable_version_fails_with_the_reason(user, suite_world):
    from django.core.management.base import CommandError

    v1, v2, *_ = suite_world
    with open(v2.artifact_uri, "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(CommandError, match="changed since it was registered"):
        call_command("replay_suite", "iris", "2.0")


def test_the_batch_api_runs_the_suite_of_resolved_cases_with_an_expectation(api_client, user, suite_world,
                                                                             run_on_commit):
    v1, v2, fixed, never, kept = suite_world
    # Open, without an expectation: not in the suite. (Another output, so grouping files it
    # under an incident of its own rather than reopening the resolved one.)
    file_report(reporter=user, version=v1, index=120)
    with run_on_commit():
        accepted = api_client.post("/api/v1/replays/", {"model": "iris", "model_version": "2.0", "suite": "resolved"},
                                   format="json")
    assert accepted.status_code == 202, accepted.json()
    run = api_client.get(f"/api/v1/replays/{accepted.json()['id']}/").json()
    assert run["suite"] is True and run["total"] == 3
    assert (run["passed"], run["regressed"], run["still_failing"]) == (1, 1, 1)
    assert {result["verdict"] for result in run["results"]} == {"pass", "regressed", "still_failing"}


def test_team_members_set_read_and_clear_an_expectation_through_the_api(user, api_client):
    report = file_report(reporter=user, version=trained_version())
    url = f"/api/v1/reports/{report.pk}/expectation/"
    assert api_client.get(url).status_code == 404

    saved = api_client.put(url, {"predicate": "score_above", "value": 0.8, "field": "score",
                                 "note": "agreed with risk"}, format="json")
    assert saved.status_code == 200, saved.content
    assert api_client.get(url).json() | {"updated_at": None} == {
        "report": report.pk, "predicate": "score_above", "value": 0.8, "field": "score", "note": "agreed with risk",
        "set_by": user.username, "updated_at": None}

    refused = api_client.put(url, {"predicate": "in_set", "value": "setosa"}, format="json")
    assert refused.status_code == 400 and refused["Content-Type"] == "application/problem+json"
    assert "value" in refused.json()["errors"]

    assert api_client.delete(url).status_code == 204
    assert api_client.get(url).status_code == 404


def test_only_the_owning_team_sets_expectations():
    team = TeamFactory()
    version = trained_version(team=team)
    reporter = UserFactory()
    report = file_report(reporter=reporter, version=version)
    with pytest.raises(PermissionDenied):
        expected_outcome_set(actor=reporter, report=report, predicate="equals", value="setosa")
    expected_outcome_set(actor=member_of(team), report=report, predicate="equals", value="setosa")


def test_the_report_page_sets_the_expectation_and_the_model_page_shows_suite_history(client, user, suite_world):
    v1, v2, fixed, never, kept = suite_world
    client.force_login(user)
    response = client.post(f"/reports/{never.pk}/expectation/", {"predicate": "in_set",
                                                                   "value": "versicolor, virginica"})
    assert response.status_code == 302
    page = client.get(f"/reports/{never.pk}/").content.decode()
    assert "output is one of versicolor or virginica" in page

    run = replayed(user, v2, [fixed, never, kept], suite=True)
    model_page = client.get("/models/iris/").content.decode()
    assert "Regression suite by version" in model_page
    assert f'href="/replays/{run.pk}/"' in model_page
    replay_page = client.get(f"/replays/{run.pk}/").content.decode()
    assert "regressed" in replay_page and 'id="count-regressed"' in replay_page


def test_the_model_page_runs_the_suite_on_a_chosen_version_and_shows_its_progress_page(client, user, suite_world,
                                                                                       run_on_commit):
    v1, v2, fixed, never, kept = suite_world
    client.force_login(user)
    model_page = client.get("/models/iris/").content.decode()
    assert "3 cases" in model_page and f"WTF-{fixed.pk} Setosa became virginica" in model_page

    with run_on_commit():
        response = client.post("/models/iris/suite/", {"model_version": v2.pk})

    run = Replay.objects.get(suite=True)
    assert response.status_code == 302 and response.url == f"/replays/{run.pk}/"
    run.refresh_from_db()
    assert (run.model_version, run.total, run.regressed) == (v2, 3, 1)


def test_the_suite_button_explains_an_empty_suite_and_a_foreign_version(client, user):
    version = trained_version()
    stranger = trained_version(model_name="other-model")
    client.force_login(user)

    assert "No cases yet." in client.get("/models/iris/").content.decode()
    page = client.post("/models/iris/suite/", {"model_version": version.pk}, follow=True).content.decode()
    assert "The suite has no cases yet" in page
    page = client.post("/models/iris/suite/", {"model_version": stranger.pk}, follow=True).content.decode()
    assert "Choose one of the versions of iris to run the suite on." in page
    assert not Replay.objects.exists()


def test_the_model_page_reads_the_suite_in_the_same_queries_however_many_cases(client, user, suite_world):
    v1, v2, fixed, never, kept = suite_world
    client.force_login(user)
    with CaptureQueriesContext(connection) as three:
        client.get("/models/iris/")
    for index in range(3, 9):
        regression_case(user, v1, index=index, predicate="equals", value="setosa")
    with CaptureQueriesContext(connection) as nine:
        page = client.get("/models/iris/").content.decode()
    assert "9 cases" in page and len(nine) == len(three)
