"""Search finds what a person may see, best first, with snippets and facets — on SQLite (the
fallback) and on PostgreSQL (full-text search)."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.incidents.services import incident_update
from apps.incidents.tags import incident_tag_add
from apps.postmortems.services import contributing_factor_add, postmortem_start, review_comment_add
from apps.search.engine import SearchFilters
from apps.search.selectors import search
from tests.accounts.factories import token_client
from tests.reports.factories import file_report
from tests.search.factories import search_world

pytestmark = pytest.mark.django_db


def found(results) -> list[tuple[str, int]]:
    return [(hit.kind, hit.id) for hit in results.page.object_list]


def facet(results, name: str) -> dict[str, int]:
    return {option.value: option.count for option in next(f for f in results.facets if f.name == name).options}


@pytest.fixture
def world():
    return search_world()


def test_the_postmortem_that_discusses_a_word_comes_first(world):
    results = search(user=world.member, text="milliseconds")

    assert found(results)[0] == ("postmortem", world.postmortem.pk)
    assert ("report", world.passing_report.pk) in found(results)
    assert results.count == len(found(results))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming is PostgreSQL's; SQLite matches words as typed")
def test_postgres_stems_words(world):
    results = search(user=world.member, text="millisecond")

    assert found(results)[0] == ("postmortem", world.postmortem.pk)
    assert "<mark>milliseconds</mark>" in results.page.object_list[0].snippet


def test_snippets_mark_the_words_and_escape_the_rest(world):
    report = search(user=world.member, text="milliseconds", filters=SearchFilters(type="report")).page.object_list
    passing = next(hit for hit in report if hit.id == world.passing_report.pk)
    assert "<mark>milliseconds</mark>" in passing.snippet
    assert "Latency was fine" in passing.snippet

    lessons = search(user=world.member, text="units release").page.object_list
    postmortem = next(hit for hit in lessons if hit.kind == "postmortem")
    # What people typed is text: markup in it never becomes an element (PostgreSQL's headline
    # drops tags, the fallback escapes them); only the highlight is markup.
    assert "<b>" not in postmortem.snippet
    assert "<mark>units</mark>" in postmortem.snippet


def test_a_snippet_never_carries_markup_from_the_text(world):
    file_report(reporter=world.member, version=world.version, index=7, title="Injected",
                description="Ages < 5 & <script>alert(1)</script> milliseconds <img src=x onerror=alert(2)>",
                context={"surface": "xss"})
    hits = search(user=world.member, text="milliseconds", filters=SearchFilters(type="report")).page.object_list
    snippet = next(hit for hit in hits if hit.title == "Injected").snippet
    assert "<script" not in snippet and "<img" not in snippet
    assert "&lt; 5 &amp;" in snippet and "<mark>milliseconds</mark>" in snippet


def test_action_items_are_found_by_their_comments(world):
    hits = search(user=world.member, text="alert fires").page.object_list
    assert [(hit.kind, hit.id) for hit in hits][0] == ("action_item", world.item.pk)
    assert hits[0].url == f"/actions/{world.item.pk}/"


def test_facets_count_the_results_by_type_model_status_root_cause_and_date(world):
    results = search(user=world.member, text="milliseconds")

    # The two reports that say it, the restricted incident (by its title) and the post-mortem.
    assert facet(results, "type") == {"postmortem": 1, "report": 2, "incident": 1}
    assert facet(results, "model") == {"fraud-score": 4}
    assert facet(results, "root_cause") == {"feature_pipeline": 1}
    assert facet(results, "date") == {"week": 4}
    assert facet(results, "status") == {"open": 4}

    narrowed = search(user=world.member, text="milliseconds", filters=SearchFilters(root_cause="feature_pipeline"))
    assert found(narrowed) == [("postmortem", world.postmortem.pk)]
    assert search(user=world.member, text="milliseconds", filters=SearchFilters(date="older")).count == 0


def test_facets_by_tag_and_contributing_factor(world):
    results = search(user=world.member, text="milliseconds")
    assert facet(results, "tag") == {"units": 1, "checkout": 1}  # the post-mortem's incident, the passing report's
    assert facet(results, "factor") == {"training_serving_skew": 1}

    by_tag = search(user=world.member, text="milliseconds", filters=SearchFilters(tag="checkout"))
    assert found(by_tag) == [("report", world.passing_report.pk)]
    by_factor = search(user=world.member, text="milliseconds", filters=SearchFilters(factor="training_serving_skew"))
    assert found(by_factor) == [("postmortem", world.postmortem.pk)]


def test_a_result_counts_once_per_factor_category_and_once_per_tag(world):
    # Two factors of one category, one of another, and a second tag on the same incident.
    contributing_factor_add(incident_id=world.incident.pk, actor=world.member, category="training_serving_skew",
                            description="The serving job rounded the durations again.")
    contributing_factor_add(incident_id=world.incident.pk, actor=world.member, category="data_drift",
                            description="Nobody checked the duration's range.")
    incident_tag_add(incident_id=world.incident.pk, actor=world.member, name="latency")

    results = search(user=world.member, text="milliseconds")

    on_incident = sum(1 for hit in results.page.object_list if hit.kind == "postmortem")
    assert facet(results, "factor") == {"training_serving_skew": on_incident, "data_drift": on_incident}
    assert facet(results, "tag") == {"units": on_incident, "latency": on_incident, "checkout": 1}


def test_an_incident_is_found_by_its_tags_by_whoever_sees_it(world):
    incident_tag_add(incident_id=world.secret.pk, actor=world.member, name="vip lounge")
    member = search(user=world.member, text="checkout")
    assert ("incident", world.passing.pk) in found(member)
    assert "<mark>checkout</mark>" in next(hit.snippet for hit in member.page.object_list if hit.kind == "incident")
    assert ("incident", world.secret.pk) in found(search(user=world.member, text="lounge"))
    assert search(user=world.outsider, text="lounge").count == 0  # restricted


def test_a_postmortem_is_found_by_its_contributing_factors(world):
    hits = search(user=world.member, text="serving computed").page.object_list
    assert [(hit.kind, hit.id) for hit in hits] == [("postmortem", world.postmortem.pk)]
    assert "<mark>" in hits[0].snippet


def test_a_postmortem_is_found_by_its_review_comments_and_its_snippet_shows_the_comment(world):
    review_comment_add(incident_id=world.incident.pk, actor=world.reviewer, section="facts",
                       body="Was the thermostat recalibrated before the release?")
    secret_postmortem, _ = postmortem_start(incident_id=world.secret.pk, actor=world.member)
    review_comment_add(incident_id=world.secret.pk, actor=world.reviewer, section="summary",
                       body="The thermostat again: the VIP scoring reads it too.")

    results = search(user=world.member, text="thermostat")
    assert sorted(found(results)) == sorted([("postmortem", world.postmortem.pk), ("postmortem", secret_postmortem.pk)])
    hit = next(hit for hit in results.page.object_list if hit.id == world.postmortem.pk)
    assert "<mark>thermostat</mark>" in hit.snippet and "Review comment" in hit.snippet
    assert hit.url == f"/incidents/{world.incident.pk}/postmortem/"
    # Scoped like the post-mortem: the comment on the restricted incident's stays with its team.
    assert found(search(user=world.outsider, text="thermostat")) == [("postmortem", world.postmortem.pk)]
    body = token_client(world.outsider).get("/api/v1/search/", {"q": "thermostat"}).json()
    assert [(result["type"], result["id"]) for result in body["results"]] == [("postmortem", world.postmortem.pk)]
    assert body["count"] == 1 and "thermostat" in body["results"][0]["snippet"]


def test_outsiders_never_see_a_restricted_incident_nor_another_teams_reports(world):
    results = search(user=world.outsider, text="milliseconds")

    # The fraud team's unrestricted incident's post-mortem, and their own team's report and incident:
    # not the fraud team's reports, not the restricted incident.
    assert sorted(found(results)) == sorted([("postmortem", world.postmortem.pk), ("report", world.foreign.pk),
                                             ("incident", world.foreign.incident_id)])
    assert facet(results, "type") == {"postmortem": 1, "report": 1, "incident": 1}
    assert facet(results, "model") == {"fraud-score": 1, "ranker": 2}
    assert facet(results, "tag") == {"units": 1}  # not the tag of an incident seen only through its reports
    # Not even by its public title.
    assert search(user=world.outsider, text="glitch").count == 0


def test_the_reporter_finds_their_own_report_and_the_public_outcome_only(world):
    results = search(user=world.reporter, text="milliseconds")
    kinds = facet(results, "type")
    assert "report" not in kinds  # the team's reports are not the reporter's
    assert ("postmortem", world.postmortem.pk) in found(results)
    assert all(hit.id != world.secret.pk for hit in results.page.object_list if hit.kind == "incident")


def test_an_incident_title_is_searched_only_by_who_may_read_it(world):
    title_words = "VIP scoring"
    assert ("incident", world.secret.pk) in found(search(user=world.member, text=title_words))
    incident_update(incident_id=world.secret.pk, actor=world.member, restricted=False)
    outsider = search(user=world.outsider, text=title_words)
    assert ("incident", world.secret.pk) not in found(outsider)  # the title is the team's
    by_public = search(user=world.outsider, text="glitch")
    assert found(by_public) == [("incident", world.secret.pk)]
    assert by_public.page.object_list[0].title == "Milliseconds scoring glitch"


def test_admins_see_everything(world):
    results = search(user=world.admin, text="milliseconds")
    assert facet(results, "type") == {"postmortem": 1, "report": 3, "incident": 2}
    assert facet(results, "model") == {"fraud-score": 4, "ranker": 2}


def test_a_results_page_takes_the_same_number_of_queries_however_many_results(world, django_assert_max_num_queries):
    for index in range(25):
        file_report(reporter=world.member, version=world.version, index=index % 50,
                    title=f"Milliseconds case {index}", description="Milliseconds again.",
                    context={"surface": f"page-{index}"})
    world.member = type(world.member).objects.get(pk=world.member.pk)  # no cached access
    # The reader's access (memberships, triager) and lookups (their teams' models, the restricted
    # incidents naming them: read once, so that no source repeats them), the search, each type's
    # rows, tags, a post-mortem's whys, factors and review comments, snippets (PostgreSQL), model
    # names: a fixed count, whatever the number of results.
    with django_assert_max_num_queries(14):
        results = search(user=world.member, text="milliseconds")
        assert len(results.page.object_list) == 20
    assert results.count > 25


@pytest.mark.parametrize("text", ["!!!", "the", '"', "-", "a & b | c", "'; DROP TABLE reports_report; --"])
def test_queries_without_searchable_words_find_nothing_and_break_nothing(world, text):
    results = search(user=world.member, text=text)
    assert results.count == 0 or all(hit.snippet for hit in results.page.object_list)
