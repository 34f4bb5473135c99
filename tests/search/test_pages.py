"""The search box in the navigation and the /search/ page."""

from __future__ import annotations

import pytest

from tests.search.factories import search_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return search_world()


def test_every_page_has_a_search_box_in_the_navigation(client, world):
    client.force_login(world.reporter)
    html = client.get("/").content.decode()
    assert 'action="/search/"' in html and 'aria-label="Search"' in html


def test_the_page_shows_typed_results_with_snippets_and_facets_as_links(client, world):
    client.force_login(world.member)
    response = client.get("/search/", {"q": "milliseconds"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "4 results for “milliseconds”" in html
    postmortem, report = f"/incidents/{world.incident.pk}/postmortem/", f"/reports/{world.passing_report.pk}/"
    assert html.index(postmortem) < html.index(report)
    assert "<mark>milliseconds</mark>" in html
    assert 'class="badge kind-postmortem">Post-mortem<' in html
    assert "?q=milliseconds&amp;root_cause=feature_pipeline" in html  # a facet, as a link
    assert "Feature pipeline / unit change" in html


def test_a_chosen_facet_narrows_the_page_and_can_be_removed(client, world):
    client.force_login(world.member)
    html = client.get("/search/", {"q": "milliseconds", "type": "report"}).content.decode()
    assert "2 results" in html and 'aria-current="true"' in html
    assert 'href="?q=milliseconds"' in html  # removing the filter


def test_nothing_found_says_what_to_try(client, world):
    client.force_login(world.outsider)
    html = client.get("/search/", {"q": "VIP scoring"}).content.decode()
    assert "Nothing found for “VIP scoring”" in html
    assert "Try fewer words" in html


def test_a_query_too_long_is_explained_not_run(client, world):
    client.force_login(world.member)
    response = client.get("/search/", {"q": "x" * 201})
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()


def test_a_page_number_past_the_end_shows_the_last_page(client, world):
    client.force_login(world.member)
    response = client.get("/search/", {"q": "milliseconds", "page": "2253493098888261376"})
    assert response.status_code == 200
    assert "4 results" in response.content.decode()
