"""The insights page, its CSV and the API show the same figures; every figure's link lists the
incidents it counts."""

import csv
import io
import re
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from apps.core.humanize import duration
from tests.accounts.factories import token_client

from .factories import history

pytestmark = pytest.mark.django_db


@pytest.fixture
def past():
    return history()


@pytest.fixture
def signed_in(client, past):
    client.force_login(past.member)
    return client


def _query(past) -> str:
    return urlencode({"since": past.weeks[0].isoformat(), "until": past.today.isoformat(), "model": "wine"})


def _csv(client, past) -> dict[tuple[str, str], str]:
    response = client.get(f"{reverse('insights:csv')}?{_query(past)}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    return {(row["figure"], row["group"]): row["value"] for row in rows}


def _cell(html: str, week, figure: str) -> str:
    row = re.search(rf'<tr id="week-{week.isoformat()}">(.*?)</tr>', html, re.S).group(1)
    cell = re.search(rf'data-figure="{figure}">(.*?)</td>', row, re.S).group(1)
    return re.sub(r"<[^>]+>", "", cell).strip()


def test_the_page_and_the_csv_agree(signed_in, past):
    html = signed_in.get(f"{reverse('insights:page')}?{_query(past)}").content.decode()
    numbers = _csv(signed_in, past)

    assert numbers[("incidents_opened", "total")] == "4"
    assert re.search(r'id="stat-opened">4<', html)
    assert re.search(r'id="stat-resolved">3<', html) and numbers[("incidents_resolved", "total")] == "3"
    assert numbers[("median_time_to_resolve_hours", "total")] == "24.00"
    assert re.search(r'id="stat-resolve">1 day<', html)
    assert numbers[("reopen_rate", "total")] == "0.2500" and 'id="stat-reopened">25 %<' in html
    assert numbers[("action_items", "on_time_share")] == "0.3333" and 'id="stat-on-time">33 %<' in html
    for week in past.weeks:
        key = week.isoformat()
        for figure in ("incidents_opened", "incidents_resolved", "action_items_overdue"):
            assert _cell(html, week, figure) == numbers[(figure, key)]
        for figure in ("median_time_to_detect", "median_time_to_resolve"):
            hours = numbers[(f"{figure}_hours", key)]
            assert _cell(html, week, figure) == (duration(float(hours) * 3600) if hours else "—")


def test_the_api_gives_the_same_figures(past):
    client = token_client(past.member)
    body = client.get(f"/api/v1/insights/?{_query(past)}").json()

    assert (body["opened"]["count"], body["resolved"]["count"]) == (4, 3)
    assert body["median_time_to_resolve_seconds"] == 24 * 3600
    assert body["median_time_to_detect_seconds"] == 2 * 3600
    assert [week["resolved"] for week in body["weeks"]] == [1, 2, 0, 0]
    assert body["action_items"]["on_time_share"] == pytest.approx(1 / 3)
    assert [owed["incident"] for owed in body["postmortems_overdue"]] == [past.d.pk]
    assert body["reports_received"] == body["reports_stored"] == 4


def test_bad_filters_are_a_400_in_the_api_and_ignored_on_the_page(signed_in, past):
    client = token_client(past.member)
    response = client.get("/api/v1/insights/?since=2026-12-10&until=2026-12-01")
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert "until" in response.json()["errors"]
    assert client.get("/api/v1/insights/?since=yesterday").status_code == 400
    for query in ("since=0001-01-01", "until=9999-12-31", "since=2020-01-01&until=2026-01-01"):
        answer = client.get(f"/api/v1/insights/?{query}")
        assert answer.status_code == 400 and answer.json()["errors"], query

    page = signed_in.get(f"{reverse('insights:page')}?since=yesterday")
    assert page.status_code == 200 and "(ignored)" in page.content.decode()


def _listed(client, url: str) -> set[int]:
    html = client.get(url).content.decode()
    return {int(number) for number in re.findall(r'href="/incidents/(\d+)/"', html)}


def test_every_figure_links_to_the_incidents_it_counts(signed_in, past):
    insights_html = signed_in.get(f"{reverse('insights:page')}?{_query(past)}").content.decode()
    body = token_client(past.member).get(f"/api/v1/insights/?{_query(past)}").json()

    assert _listed(signed_in, body["opened"]["url"]) == {past.a.pk, past.b.pk, past.c.pk, past.d.pk}
    assert _listed(signed_in, body["resolved"]["url"]) == {past.a.pk, past.b.pk, past.d.pk}
    assert _listed(signed_in, body["weeks"][1]["resolved_url"]) == {past.b.pk, past.d.pk}
    assert _listed(signed_in, body["weeks"][0]["opened_url"]) == {past.a.pk, past.b.pk}
    assert _listed(signed_in, body["reopened"]["url"]) == {past.c.pk}
    assert _listed(signed_in, body["regressions"]["url"]) == {past.c.pk}
    causes = {item["key"]: item["url"] for item in body["by_root_cause"]}
    assert _listed(signed_in, causes["feature_pipeline"]) == {past.a.pk, past.b.pk}
    assert _listed(signed_in, causes["none"]) == {past.c.pk, past.d.pk}
    assert _listed(signed_in, body["by_version"][0]["url"]) == {past.a.pk, past.b.pk, past.c.pk, past.d.pk}
    assert body["weeks"][1]["resolved_url"].replace("&", "&amp;") in insights_html


def test_a_range_with_nothing_in_it_says_so_instead_of_drawing_bare_axes(signed_in, past):
    long_ago = urlencode({"since": "2020-01-06", "until": "2020-02-02"})

    html = signed_in.get(f"{reverse('insights:page')}?{long_ago}").content.decode()

    assert html.count('<p class="chart-empty">Nothing in this range.</p>') == 3
    assert "<svg" not in html

