"""What search reads: the texts of each kind of result, where they live, and how they are weighed.

A *source* is one table whose rows match words: a report, an incident, a post-mortem, one of its
why-nodes, contributing factors or review comments, an action item, one of its comments. A child source (a
why-node, a comment) feeds its parent's result: a post-mortem is found by its own text and by its
why-nodes'. Every source knows the path from its rows to the incident they belong to, which gives
every result its facets (model, status, root cause…) and its scope.

On PostgreSQL each source's text is one weighted `SearchVector` (English stemming), stored in a
generated column of the source's table (`search_document`) that PostgreSQL itself keeps up to
date on every write, with a GIN index on it (this app's migrations add both through
`pg_documents.py`, compiling the column's expression from these very objects). Matching reads
the index; ranking reads the stored vector instead of parsing each matched row's text again.
The column is not a field of the owning app's model: it exists on PostgreSQL only, and those
apps never write it. Changing a source's fields or weights changes the expression: add a
migration that redefines its column."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

from django.apps import apps
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db.models.expressions import RawSQL

# A title weighs most, a summary next, body text and child rows less: the weights PostgreSQL's
# `ts_rank` gives A–D by default (1, 0.4, 0.2, 0.1), reused by the SQLite fallback.
WEIGHTS = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}
SEARCH_CONFIG = "english"

REPORT, INCIDENT, POSTMORTEM, ACTION_ITEM = "report", "incident", "postmortem", "action_item"
KINDS = {REPORT: "Report", INCIDENT: "Incident", POSTMORTEM: "Post-mortem", ACTION_ITEM: "Action item"}


@dataclass(frozen=True)
class Source:
    name: str
    kind: str  # the result type it finds
    model_label: str  # "app_label.Model"
    fields: tuple[tuple[str, str], ...]  # (column, weight)
    result_id: str  # the column holding the result's id ("id", "postmortem_id")
    incident: str  # the path to the result's incident ("" when the row is the incident)
    created: str  # the path to the result's creation time (the date facet)
    column: str = "search_document"  # the generated tsvector column (PostgreSQL; pg_documents.py)
    parent: str = ""  # a child source (a why-node, a comment): the name of the source of its result

    @property
    def parent_field(self) -> str:
        """A child's foreign key to its parent row ("postmortem", "item")."""
        return self.result_id.removesuffix("_id")

    @property
    def model(self):
        return apps.get_model(self.model_label)

    @property
    def index_name(self) -> str:
        return f"search_{self.name}_vec"

    def document(self) -> RawSQL:
        """The stored vector of the queryset's own rows (the source's table is never joined
        under another alias: every search query starts from it)."""
        return RawSQL(f'"{self.model._meta.db_table}"."{self.column}"', [], output_field=SearchVectorField())

    def via_incident(self, field: str) -> str:
        return f"{self.incident}__{field}" if self.incident else field

    def vector(self) -> SearchVector:
        """The weighted text of one row, as PostgreSQL indexes and matches it."""
        return reduce(lambda left, right: left + right, (
            SearchVector(column, weight=weight, config=SEARCH_CONFIG) for column, weight in self.fields))


SOURCES: tuple[Source, ...] = (
    Source("report", REPORT, "reports.Report", (("title", "A"), ("description", "B"), ("expected", "B")),
           "id", "incident", "created_at"),
    # An incident's own title is its first report's title, which readers outside the team may not
    # read: they find an incident by the words they are shown (its public title, the outcome).
    Source("incident", INCIDENT, "incidents.Incident",
           (("title", "A"), ("public_title", "A"), ("resolution_note", "B")), "id", "", "created_at"),
    Source("incident_public", INCIDENT, "incidents.Incident", (("public_title", "A"), ("resolution_note", "B")),
           "id", "", "created_at", column="search_document_public"),
    Source("postmortem", POSTMORTEM, "postmortems.Postmortem",
           (("summary", "A"), ("root_cause_summary", "A"), ("facts", "B"), ("business_impact", "B"),
            ("went_well", "C"), ("went_wrong", "C"), ("got_lucky", "C")), "id", "incident", "created_at"),
    Source("why_node", POSTMORTEM, "postmortems.WhyNode",
           (("question", "B"), ("answer", "B"), ("how_to_check", "C"), ("evidence_note", "C"),
            ("decision_note", "C")), "postmortem_id", "postmortem__incident", "postmortem__created_at",
           parent="postmortem"),
    Source("factor", POSTMORTEM, "postmortems.ContributingFactor", (("description", "B"),),
           "postmortem_id", "postmortem__incident", "postmortem__created_at", parent="postmortem"),
    # Review comments are read by whoever reads the post-mortem (its editor and API list them):
    # a comment's words find its post-mortem, whose snippet then shows the comment.
    Source("postmortem_comment", POSTMORTEM, "postmortems.ReviewComment", (("body", "C"),),
           "postmortem_id", "postmortem__incident", "postmortem__created_at", parent="postmortem"),
    Source("action_item", ACTION_ITEM, "actions.ActionItem", (("title", "A"), ("description", "B")),
           "id", "incident", "created_at"),
    Source("action_item_comment", ACTION_ITEM, "actions.ActionItemComment", (("body", "C"),),
           "item_id", "item__incident", "item__created_at", parent="action_item"),
)


def children_of(source: Source) -> tuple[Source, ...]:
    return tuple(child for child in SOURCES if child.parent == source.name)
