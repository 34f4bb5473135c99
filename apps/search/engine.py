"""The matching half of search: every source's rows that match the words and that the reader may
see, with a score, as SQL that the results page, the facets and the count all read.

Each source's rows come from the selector that scopes its objects on their own pages
(`report_list`, `incident_visibility`, `postmortem_list`, `action_item_list`), so a result is
visible exactly when its object is. The sources become one `UNION ALL` of identical columns, one
row per result: a child's matches (a why-node's, a comment's) count in its parent's row. Facets
are counted over the same rows, in the query that reads the page, so nobody learns from a count
what they may not open.

PostgreSQL: `SearchVector` @@ `SearchQuery` (websearch syntax: quotes, `or`, `-word`) with English
stemming, read from the GIN indexes on the stored vectors, scored by `SearchRank`. Elsewhere
(SQLite, the embedded default): every word must appear, case-insensitively, in one of the
source's fields (or one child's); the score adds the weight of each field a word appears in. No
stemming there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from apps.actions.selectors import action_item_list
from apps.incidents.models import Incident, IncidentTag, Tag
from apps.incidents.selectors import ReaderLookups, incident_title_readable, incident_visibility, reader_lookups
from apps.postmortems.models import ContributingFactor, Postmortem
from apps.postmortems.selectors import postmortem_list
from apps.reports.models import Report
from apps.reports.selectors import report_visibility

from .documents import INCIDENT, SEARCH_CONFIG, SOURCES, WEIGHTS, Source, children_of

# The date facet: how long ago a result was created, newest first.
PERIODS = {"week": ("Past week", 7), "month": ("Past 30 days", 30), "year": ("Past year", 365),
           "older": ("Older", None)}
# Without stemming, the fallback matches at most this many words (a pasted paragraph would
# otherwise make one LIKE per word and field).
FALLBACK_MAX_WORDS = 8
# An incident's tag names are words it is found by (the tags table is small: no stored vector).
TAG_WEIGHT = WEIGHTS["B"]
# A result's facets that come from its incident (model, status, root cause, tags, factors) are not
# columns of its row: they are joined once per incident after the results are counted per incident,
# instead of once per result in every source (most results of a common word are reports, ten per incident).
COLUMNS = ("s_kind", "s_id", "s_incident", "s_period", "s_created", "s_score")


@dataclass(frozen=True)
class SearchFilters:
    """What the results are narrowed to (the facets a person clicked)."""

    type: str = ""  # a result type (documents.KINDS)
    model: str = ""  # a model's name
    status: str = ""  # the incident's status
    root_cause: str = ""  # the post-mortem's root-cause category
    date: str = ""  # a key of PERIODS
    tag: str = ""  # a tag's name
    factor: str = ""  # a contributing factor's category

    def active(self) -> dict[str, str]:
        return {name: value for name, value in self.__dict__.items() if value}


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def query_words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())[:FALLBACK_MAX_WORDS]


def _scoped_rows(source: Source, user, lookups: ReaderLookups) -> QuerySet | None:
    """The rows of `source` that `user` may see, by the rules that scope its objects on their own
    pages, settled with the reader's `lookups` (read once per search, not once per source)."""
    if source.name == "report":
        visible = report_visibility(user, lookups)
        return Report.objects.all() if visible is None else Report.objects.filter(visible)
    if source.name in ("incident", "incident_public"):
        incidents = Incident.objects.all()
        visible = incident_visibility(user, lookups)
        if visible is not None:
            incidents = incidents.filter(visible)
        readable = incident_title_readable(user, lookups)
        if source.name == "incident":
            return incidents if readable is None else incidents.filter(readable)
        return None if readable is None else incidents.exclude(readable)
    if source.name == "postmortem":
        return postmortem_list(user=user, lookups=lookups)
    if source.name == "action_item":
        return action_item_list(user=user, lookups=lookups)
    raise ValueError(f"Unknown search source {source.name!r}")


def _narrowed(rows: QuerySet, source: Source, filters: SearchFilters, now: datetime) -> QuerySet:
    if filters.model:
        rows = rows.filter(**{source.via_incident("model__name"): filters.model})
    if filters.status:
        rows = rows.filter(**{source.via_incident("status"): filters.status})
    if filters.root_cause:
        rows = rows.filter(**{source.via_incident("postmortem__root_cause_category"): filters.root_cause})
    if filters.tag:
        rows = rows.filter(**{f"{source.via_incident('id')}__in":
                              IncidentTag.objects.filter(tag__name=filters.tag).values("incident_id")})
    if filters.factor:
        rows = rows.filter(**{f"{source.via_incident('id')}__in": ContributingFactor.objects.filter(
            category=filters.factor).values("postmortem__incident_id")})
    if filters.date in PERIODS:
        days = PERIODS[filters.date][1]
        if days is None:
            rows = rows.filter(**{f"{source.created}__lt": now - timedelta(days=PERIODS["year"][1])})
        else:
            rows = rows.filter(**{f"{source.created}__gte": now - timedelta(days=days)})
    return rows


def _period(source: Source, now: datetime) -> Case:
    whens = [When(**{f"{source.created}__gte": now - timedelta(days=days)}, then=Value(key))
             for key, (_, days) in PERIODS.items() if days is not None]
    return Case(*whens, default=Value("older"), output_field=CharField())


def _full_text_matching(rows: QuerySet, source: Source, text: str) -> QuerySet:
    query = SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)
    rows = rows.annotate(s_document=source.document())
    matches = Q(s_document=query)
    score = Case(When(matches, then=SearchRank(F("s_document"), query)), default=Value(0.0),
                 output_field=FloatField())
    parent = f'"{source.model._meta.db_table}"."id"'
    for child in children_of(source):
        # Raw SQL: the stored column is no model field, and an ORM subquery would rename the
        # child's table. Children are seen with their parent (its scope is already applied).
        table, quote = child.model._meta.db_table, connection.ops.quote_name
        where = (f"c.{quote(child.result_id)} = {parent} AND c.{quote(child.column)} @@ "
                 "websearch_to_tsquery(%s::regconfig, %s)")
        matches |= Q(RawSQL(f"EXISTS (SELECT 1 FROM {quote(table)} c WHERE {where})", [SEARCH_CONFIG, text],
                            output_field=BooleanField()))
        score = score + RawSQL(
            f"COALESCE((SELECT SUM(ts_rank(c.{quote(child.column)}, websearch_to_tsquery(%s::regconfig, %s))) "
            f"FROM {quote(table)} c WHERE {where}), 0)", [SEARCH_CONFIG, text, SEARCH_CONFIG, text],
            output_field=FloatField())
    if source.kind == INCIDENT:
        tagged = (IncidentTag.objects.annotate(s_tag=SearchVector("tag__name", config=SEARCH_CONFIG))
                  .filter(s_tag=query).values("incident_id"))
        matches |= Q(pk__in=tagged)
        score = score + Case(When(pk__in=tagged, then=Value(TAG_WEIGHT)), default=Value(0.0),
                             output_field=FloatField())
    return rows.filter(matches).annotate(s_score_raw=score)


def _words_match_and_score(source: Source, words: list[str]) -> tuple[Q, Case | Value]:
    match = Q()
    score = Value(0.0, output_field=FloatField())
    for word in words:
        match &= Q(*(Q(**{f"{column}__icontains": word}) for column, _ in source.fields), _connector=Q.OR)
        for column, weight in source.fields:
            score = score + Case(When(**{f"{column}__icontains": word}, then=Value(WEIGHTS[weight])),
                                 default=Value(0.0), output_field=FloatField())
    return match, score


def _matching(rows: QuerySet, source: Source, text: str) -> QuerySet | None:
    """`rows` that match `text` (by their own text or a child's), with their score as
    `s_score_raw`: their own and their matching children's, added up (a post-mortem that
    discusses a word in its summary and in three whys outranks one that mentions it once)."""
    if uses_full_text():
        return _full_text_matching(rows, source, text)
    words = query_words(text)
    if not words:
        return None
    matches, score = _words_match_and_score(source, words)
    score = Case(When(matches, then=score), default=Value(0.0), output_field=FloatField())
    for child in children_of(source):
        child_match, child_score = _words_match_and_score(child, words)
        children = child.model.objects.filter(**{child.parent_field: OuterRef("pk")}).filter(child_match)
        matches |= Q(Exists(children))
        score = score + Coalesce(Subquery(children.order_by().values(child.parent_field)
                                          .annotate(total=Sum(child_score)).values("total")[:1]),
                                 Value(0.0), output_field=FloatField())
    if source.kind == INCIDENT:
        tagged = IncidentTag.objects.filter(*(Q(tag__name__icontains=word) for word in words)).values("incident_id")
        matches |= Q(pk__in=tagged)
        score = score + Case(When(pk__in=tagged, then=Value(TAG_WEIGHT)), default=Value(0.0),
                             output_field=FloatField())
    return rows.filter(matches).annotate(s_score_raw=score)


def _source_sql(source: Source, *, user, lookups: ReaderLookups, text: str, filters: SearchFilters,
                now: datetime) -> tuple[str, tuple] | None:
    rows = _scoped_rows(source, user, lookups)
    if rows is None:
        return None
    rows = _matching(_narrowed(rows, source, filters, now), source, text)
    if rows is None:
        return None
    # Every source selects the same columns in the same order (only annotations, added in the
    # order of COLUMNS), so that their SELECTs can be stacked with UNION ALL.
    rows = rows.annotate(
        s_kind=Value(source.kind, output_field=CharField()),
        s_id=F(source.result_id),
        # The incident's id, read from the row's own foreign key (no join).
        s_incident=F(source.incident + "_id" if source.incident else "id"),
        s_period=_period(source, now),
        s_created=F(source.created),
        s_score=F("s_score_raw"),
    ).values(*COLUMNS).order_by()
    try:
        return rows.query.sql_with_params()
    except EmptyResultSet:  # a scope that can match nothing (e.g. an empty list of ids)
        return None


@dataclass(frozen=True)
class ResultsSql:
    """The results as SQL (one row per result: COLUMNS), for the page and the facets."""

    sql: str
    params: tuple

    @property
    def empty(self) -> bool:
        return not self.sql


def results_sql(*, user, text: str, filters: SearchFilters, now: datetime) -> ResultsSql:
    parts = []
    lookups = reader_lookups(user)
    for source in SOURCES:
        if source.parent or (filters.type and source.kind != filters.type):
            continue
        compiled = _source_sql(source, user=user, lookups=lookups, text=text, filters=filters, now=now)
        if compiled is not None:
            parts.append(compiled)
    if not parts:
        return ResultsSql("", ())
    # Each result is one row of one source (children are folded into their parent's row), so
    # the sources' rows stack without grouping.
    union = " UNION ALL ".join(sql for sql, _ in parts)
    return ResultsSql(union, tuple(param for _, part_params in parts for param in part_params))


_BEST_FIRST = "ORDER BY s_score DESC, s_created DESC, s_kind, s_id"
_NO_TEXT, _NO_ID, _NO_SCORE = "CAST(NULL AS TEXT)", "CAST(NULL AS BIGINT)", "CAST(NULL AS DOUBLE PRECISION)"


@dataclass(frozen=True)
class ResultRow:
    kind: str
    id: int
    incident_id: int
    score: float


def results_page(results: ResultsSql, *, offset: int, limit: int) -> list[ResultRow]:
    """One page of results, best first (then newest, then a stable order)."""
    if results.empty:
        return []
    sql = f"WITH results AS ({results.sql}) SELECT s_kind, s_id, s_incident, s_score FROM results {_BEST_FIRST} " \
        "LIMIT %s OFFSET %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, (*results.params, limit, offset))
        return [ResultRow(kind, int(pk), int(incident_id), float(score or 0)) for kind, pk, incident_id, score
                in cursor.fetchall()]


FACETS = ("type", "model", "status", "root_cause", "date", "tag", "factor")


def _facet_parts() -> list[str]:
    """The SELECTs counting each facet's values. They read two small tables instead of the
    results: `grouped` (how many results of each type and date each incident has; a result with
    no incident, an unsorted report, is its own group) and `by_incident` (its sums per incident).
    The incident, its post-mortem, tags and factors are joined once per incident, not per result.
    Each result counts once per value: an incident carries a tag at most once, and its factors'
    categories are taken once each (a post-mortem may record two factors of one category)."""
    quote = connection.ops.quote_name
    incident, postmortem = quote(Incident._meta.db_table), quote(Postmortem._meta.db_table)
    incident_tag, tag = quote(IncidentTag._meta.db_table), quote(Tag._meta.db_table)
    factor = quote(ContributingFactor._meta.db_table)
    rest = f"{_NO_TEXT}, {_NO_ID}, {_NO_ID}, {_NO_SCORE}, {_NO_ID}"

    def part(name: str, value: str, source: str) -> str:
        return (f"SELECT CAST('{name}' AS TEXT), CAST({value} AS TEXT), CAST(SUM(n) AS BIGINT), {rest} "
                f"FROM {source} WHERE {value} IS NOT NULL GROUP BY {value}")

    return [
        part("type", "s_kind", "grouped"),
        part("date", "s_period", "grouped"),
        part("model", "i.model_id", f"by_incident JOIN {incident} i ON i.id = by_incident.s_incident"),
        part("status", "i.status", f"by_incident JOIN {incident} i ON i.id = by_incident.s_incident"),
        part("root_cause", "p.root_cause_category",
             f"by_incident JOIN {postmortem} p ON p.incident_id = by_incident.s_incident"),
        part("tag", "t.name", f"by_incident JOIN {incident_tag} it ON it.incident_id = by_incident.s_incident "
                              f"JOIN {tag} t ON t.id = it.tag_id"),
        part("factor", "fc.category",
             f"by_incident JOIN (SELECT DISTINCT p.incident_id, f.category FROM {factor} f "
             f"JOIN {postmortem} p ON p.id = f.postmortem_id) fc ON fc.incident_id = by_incident.s_incident"),
    ]


def facets_and_page(results: ResultsSql, *, offset: int,
                    limit: int) -> tuple[dict[str, dict[str, int]], list[ResultRow]]:
    """{facet: {value: how many results}} over every result, and one page of results, best
    first (then newest, then a stable order) — in one query, so the matching runs once."""
    counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
    if results.empty:
        return counts, []
    # Both kinds of rows share one set of typed columns (PostgreSQL matches UNION types strictly).
    # The results are read once, counted per incident, type and date (a few thousand groups at
    # most); every facet then sums those counts.
    grouped = "grouped AS (SELECT s_incident, s_kind, s_period, COUNT(*) AS n FROM results " \
        "GROUP BY s_incident, s_kind, s_period)"
    by_incident = "by_incident AS (SELECT s_incident, SUM(n) AS n FROM grouped WHERE s_incident IS NOT NULL " \
        "GROUP BY s_incident)"
    # The page's rows are numbered after the LIMIT: the database keeps only the best rows while
    # reading (a top-N sort) instead of sorting and numbering every result.
    page = (f"SELECT CAST('row' AS TEXT), {_NO_TEXT}, {_NO_ID}, s_kind, CAST(s_id AS BIGINT), "
            f"CAST(s_incident AS BIGINT), CAST(s_score AS DOUBLE PRECISION), ROW_NUMBER() OVER ({_BEST_FIRST}) "
            f"FROM (SELECT * FROM results {_BEST_FIRST} LIMIT %s OFFSET %s) page")
    sql = f"WITH results AS ({results.sql}), {grouped}, {by_incident} " + " UNION ALL ".join([*_facet_parts(), page])
    rows: list[tuple[int, ResultRow]] = []
    with connection.cursor() as cursor:
        cursor.execute(sql, (*results.params, limit, offset))
        for part, value, count, kind, pk, incident_id, score, position in cursor.fetchall():
            if part == "row":
                rows.append((int(position), ResultRow(kind, int(pk), int(incident_id), float(score or 0))))
            elif value != "":
                counts[part][value] = int(count)
    return counts, [row for _, row in sorted(rows, key=lambda pair: pair[0])]
