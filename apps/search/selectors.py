"""Search results as the page and the API show them: one read model, built in a fixed number of
queries however many results a page holds (the facets and the count, the page's rows, one query
per kind of result on it, their child texts, the titles the reader may read, the snippets)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from apps.actions.models import ActionItem
from apps.incidents.models import Incident, IncidentStatus
from apps.incidents.selectors import incident_titles_as_seen_by
from apps.postmortems.models import Postmortem, RootCauseCategory
from apps.registry.models import Model
from apps.reports.selectors import report_list

from . import snippets
from .documents import ACTION_ITEM, INCIDENT, KINDS, POSTMORTEM, REPORT
from .engine import (
    PERIODS,
    ResultRow,
    ResultsSql,
    SearchFilters,
    facets_and_page,
    query_words,
    results_page,
    results_sql,
)

SEARCH_PAGE_SIZE = 20
MAX_QUERY_LENGTH = 200
# Nobody reads page 10,001 of a search; the bound keeps a hand-made page number from overflowing
# the database's OFFSET (a 400 from the API, the last page on the page).
MAX_PAGE = 10_000


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "report" | "incident" | "postmortem" | "action_item"
    kind_label: str
    id: int
    reference: str  # "WTF-12", "INC-3", "AI-4"
    title: str
    url: str
    snippet: SafeString  # escaped text with <mark> around the words found
    score: float
    model: str
    status: str  # the incident's status, in words
    created_at: datetime


@dataclass(frozen=True)
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    query: str  # the search's query string with this option chosen (or, when selected, removed)


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    options: list[FacetOption]


@dataclass
class SearchResults:
    query: str
    count: int
    facets: list[Facet]
    page: Page  # its object_list: SearchHit
    filters: SearchFilters


class _LazyRows:
    """What Paginator needs: the count (known from the facets) and one slice — the one read with
    the facets when it is the page asked for, else read on demand (a page past the end)."""

    def __init__(self, results: ResultsSql, total: int, *, offset: int, rows: list[ResultRow]) -> None:
        self.results, self.total, self.offset, self.rows = results, total, offset, rows

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, item: slice) -> list[ResultRow]:
        start = item.start or 0
        if start == self.offset:
            return self.rows
        return results_page(self.results, offset=start, limit=max(0, (item.stop or self.total) - start))


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def _tags_line(incident: Incident) -> str:
    names = [tag.name for tag in incident.tags.all()]
    return f"Tags: {', '.join(names)}" if names else ""


def _hits(rows: list[ResultRow], *, user, text: str) -> list[SearchHit]:
    ids: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        ids[row.kind].append(row.id)
    reports = {report.pk: report for report in report_list(user=user).filter(pk__in=ids[REPORT])} \
        if ids[REPORT] else {}
    incidents = {incident.pk: incident for incident in Incident.objects.select_related("model")
                 .prefetch_related("tags").filter(pk__in=ids[INCIDENT])} if ids[INCIDENT] else {}
    postmortems = {postmortem.pk: postmortem for postmortem in Postmortem.objects.select_related("incident__model")
                   .prefetch_related("why_nodes", "contributing_factors", "comments")
                   .filter(pk__in=ids[POSTMORTEM])} \
        if ids[POSTMORTEM] else {}
    items = {item.pk: item for item in ActionItem.objects.select_related("incident__model")
             .prefetch_related("comments").filter(pk__in=ids[ACTION_ITEM])} if ids[ACTION_ITEM] else {}
    # Titles as this reader may read them (a neutral one outside the team), in one pass.
    titles = incident_titles_as_seen_by(user=user, incidents=[
        *incidents.values(), *(pm.incident for pm in postmortems.values()),
        *(item.incident for item in items.values())])

    shown: list[tuple[ResultRow, dict]] = []
    for row in rows:
        if row.kind == REPORT and row.id in reports:
            report = reports[row.id]
            shown.append((row, dict(reference=f"WTF-{report.pk}", title=report.title, incident=report.incident,
                                    model=report.model, url=reverse("reports:detail", args=[report.pk]),
                                    created_at=report.created_at,
                                    text=_join(report.description, report.expected) or report.title)))
        elif row.kind == INCIDENT and row.id in incidents:
            incident = incidents[row.id]
            title = titles[incident.pk]
            shown.append((row, dict(reference=f"INC-{incident.pk}", title=title, incident=incident,
                                    model=incident.model, url=reverse("incidents:detail", args=[incident.pk]),
                                    created_at=incident.created_at,
                                    text=_join(title, incident.public_title if incident.public_title
                                               != title else "", incident.resolution_note,
                                               _tags_line(incident)))))
        elif row.kind == POSTMORTEM and row.id in postmortems:
            postmortem = postmortems[row.id]
            whys = [_join(node.question, node.answer, node.how_to_check, node.evidence_note, node.decision_note)
                    for node in postmortem.why_nodes.all()]
            shown.append((row, dict(
                reference=f"INC-{postmortem.incident_id}", title=f"Post-mortem: {titles[postmortem.incident_id]}",
                incident=postmortem.incident, model=postmortem.incident.model, created_at=postmortem.created_at,
                url=reverse("postmortems:editor", args=[postmortem.incident_id]),
                text=_join(postmortem.summary, postmortem.root_cause_summary, postmortem.facts,
                           postmortem.business_impact, *whys,
                           *(factor.description for factor in postmortem.contributing_factors.all()),
                           postmortem.went_well, postmortem.went_wrong, postmortem.got_lucky,
                           *(f"Review comment: {comment.body}" for comment in postmortem.comments.all()))
                or titles[postmortem.incident_id])))
        elif row.kind == ACTION_ITEM and row.id in items:
            item = items[row.id]
            shown.append((row, dict(reference=f"AI-{item.pk}", title=item.title, incident=item.incident,
                                    model=item.incident.model, url=reverse("actions:detail", args=[item.pk]),
                                    created_at=item.created_at,
                                    text=_join(item.description, *(comment.body for comment in item.comments.all()))
                                    or item.title)))

    marked = snippets.passages([fields["text"] for _, fields in shown], query=text, words=query_words(text))
    return [SearchHit(kind=row.kind, kind_label=KINDS[row.kind], id=row.id, reference=fields["reference"],
                      title=fields["title"], url=fields["url"], snippet=snippets.render(passage),
                      score=round(row.score, 4), model=str(fields["model"]),
                      status=fields["incident"].get_status_display(), created_at=fields["created_at"])
            for (row, fields), passage in zip(shown, marked, strict=True)]


def _option_query(text: str, filters: SearchFilters, name: str, value: str, selected: bool) -> str:
    chosen = filters.active() | {name: value}
    if selected:
        chosen.pop(name)
    return urlencode({"q": text, **chosen})


def _facets(counts: dict[str, dict[str, int]], *, text: str, filters: SearchFilters) -> list[Facet]:
    model_names = {str(pk): (name, display or name) for pk, name, display in
                   Model.objects.filter(pk__in=[int(pk) for pk in counts["model"]])
                   .values_list("pk", "name", "display_name")} if counts["model"] else {}
    labelled = {
        "type": [(kind, KINDS.get(kind, kind), n) for kind, n in counts["type"].items()],
        "model": [(*model_names[pk], n) for pk, n in counts["model"].items() if pk in model_names],
        "status": [(status, IncidentStatus(status).label, n) for status, n in counts["status"].items()
                   if status in IncidentStatus.values],
        "root_cause": [(cause, RootCauseCategory(cause).label, n) for cause, n in counts["root_cause"].items()
                       if cause in RootCauseCategory.values],
        "factor": [(cause, RootCauseCategory(cause).label, n) for cause, n in counts["factor"].items()
                   if cause in RootCauseCategory.values],
        "tag": [(tag, tag, n) for tag, n in counts["tag"].items()],
        "date": [(key, label, counts["date"][key]) for key, (label, _) in PERIODS.items() if key in counts["date"]],
    }
    titles = {"type": "Type", "model": "Model", "status": "Incident status", "root_cause": "Root cause",
              "factor": "Contributing factor", "tag": "Tag", "date": "Date"}
    facets = []
    for name, options in labelled.items():
        if name != "date":
            options.sort(key=lambda option: (-option[2], option[1].lower()))
        current = getattr(filters, name)
        facets.append(Facet(name=name, label=titles[name], options=[
            FacetOption(value=value, label=label, count=count, selected=value == current,
                        query=_option_query(text, filters, name, value, value == current))
            for value, label, count in options]))
    return facets


def search(*, user, text: str, filters: SearchFilters | None = None, page_number: int | str | None = 1,
           per_page: int = SEARCH_PAGE_SIZE, strict_page: bool = False, now: datetime | None = None) -> SearchResults:
    """What `user` may see that matches `text`, best first, with facets counted over the same
    results. `strict_page` raises django.core.paginator.InvalidPage for a page past the end (the
    API) instead of showing the nearest page (the page)."""
    filters = filters or SearchFilters()
    text = text.strip()
    results = results_sql(user=user, text=text, filters=filters, now=now or timezone.now())
    try:
        asked = min(MAX_PAGE, max(1, int(page_number or 1)))
    except (TypeError, ValueError):
        asked = 1
    counts, rows = facets_and_page(results, offset=(asked - 1) * per_page, limit=per_page)
    total = sum(counts["type"].values())
    paginator = Paginator(_LazyRows(results, total, offset=(asked - 1) * per_page, rows=rows), per_page)
    page = paginator.page(page_number) if strict_page else paginator.get_page(asked)
    page.object_list = _hits(list(page.object_list), user=user, text=text)
    return SearchResults(query=text, count=total, facets=_facets(counts, text=text, filters=filters), page=page,
                         filters=filters)
