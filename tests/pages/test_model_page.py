"""The model page tells its story: the last 30 days as charts (predictions logged for the team,
reports filed, feedback), what the model answered, and its versions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.charts import daily_chart
from apps.predictions.services import predictions_log
from tests.accounts.factories import TeamFactory, UserFactory, member_of
from tests.registry.factories import iris_row, trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


def _log(version, *, days_ago: int, count: int, output: str = "setosa") -> None:
    at = timezone.now() - timedelta(days=days_ago)
    predictions_log(rows=[{"prediction_id": f"p-{days_ago}-{n}-{output}", "model": version.model.name,
                           "model_version": version.version, "features": iris_row(n % 5), "output": output,
                           "timestamp": at.isoformat()} for n in range(count)])


def test_a_daily_chart_has_a_bar_per_day_scaled_to_the_busiest_and_says_so_in_words():
    today = timezone.localdate()
    chart = daily_chart(title="Feedback", noun="vote", series=[("up", "Up"), ("down", "Down")], days=7, today=today,
                        counts={today: {"up": 3, "down": 1}, today - timedelta(days=2): {"down": 2}})
    assert len(chart.bars) == 7 and chart.bars[-1].day == today
    assert [segment.height for segment in chart.bars[-1].segments] == [75.0, 25.0]
    assert chart.bars[-3].segments[0].height == 50.0 and chart.bars[0].segments == []
    assert chart.summary == f"6 votes in the last 7 days; the busiest day was {today:%-d %b} with 4."
    assert chart.bars[-1].title == f"{today:%-d %b}: 3 up, 1 down"


def test_the_team_sees_predictions_per_day_and_the_output_mix(client):
    team = TeamFactory()
    member = member_of(team)
    version = trained_version(team=team)
    _log(version, days_ago=0, count=3)
    _log(version, days_ago=2, count=1, output="virginica")
    _log(version, days_ago=45, count=5)  # outside the window
    file_report(reporter=member, version=version)
    client.force_login(member)

    page = client.get("/models/iris/").content.decode()

    assert "4 predictions in the last 30 days" in page
    assert "1 report in the last 30 days" in page and "No votes in the last 30 days." in page
    mix = page.split('id="output-mix"')[1].split("</figure>")[0]
    assert mix.index("setosa") < mix.index("virginica") and "75 %" in mix and "25 %" in mix


def test_people_outside_the_team_see_no_volume_or_outputs_of_the_inference_log(client):
    version = trained_version(team=TeamFactory())
    _log(version, days_ago=0, count=3)
    client.force_login(UserFactory())

    page = client.get("/models/iris/").content.decode()

    assert "Reports filed" in page and "Predictions logged" not in page and 'id="output-mix"' not in page


def _section(page: str, marker: str) -> str:
    return page.split(marker)[1].split("</section>")[0]


def test_what_has_not_happened_yet_is_a_sentence_not_a_table_of_zeros(client):
    team = TeamFactory()
    member = member_of(team)
    trained_version(team=team)
    client.force_login(member)

    page = client.get("/models/iris/").content.decode()

    feedback = _section(page, 'id="feedback-heading"')
    assert "Nobody has voted with the feedback widget" in feedback and "<table" not in feedback
    assert 'aria-label="Suite runs by version"' not in page  # no runs: no empty table under "No cases yet"
    votes = page.split('id="chart-vote"')[1].split("</figure>")[0]
    assert "No votes in the last 30 days." in votes and 'class="bars"' not in votes  # no bare axes


def test_engineer_details_of_a_version_are_folded_under_for_engineers(client):
    team = TeamFactory()
    member = member_of(team)
    version = trained_version(team=team)
    client.force_login(member)

    page = client.get("/models/iris/").content.decode()

    versions = _section(page, 'id="versions-heading"')
    table, internals = versions.split('id="version-internals"')
    assert "sha256" not in table.lower() and "Backend" not in table
    assert "<summary>For engineers</summary>" in internals and version.sha256 in internals
    assert "scikit-learn" in internals and "reference rows" in internals


def test_the_latest_ten_predictions_show_and_the_rest_wait_behind_show_more(client):
    team = TeamFactory()
    member = member_of(team)
    version = trained_version(team=team)
    _log(version, days_ago=1, count=14)
    client.force_login(member)

    page = client.get("/models/iris/").content.decode()

    latest = page.split('aria-label="Latest logged predictions"')[1].split("</table>")[0]
    more = page.split('id="more-predictions"')[1].split("</details>")[0]
    assert latest.count("<tr>") - 1 == 10  # the header row, then ten
    assert "<summary>Show 4 more</summary>" in more and more.count("<code>p-1-") == 4
