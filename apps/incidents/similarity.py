"""Similar incidents, ranked by the ML signature (`IncidentSignal`), and people's marks.

How alike two incidents are is the weighted sum of the signature parts they share:

| part                                  | weight | why                                              |
|---------------------------------------|--------|--------------------------------------------------|
| same flag, e.g. `proline:scale_shift` | 3      | the same input went wrong the same way           |
| same root-cause category              | 3      | the same category of bug (what action items fix) |
| same kind of flag (`scale_shift`)     | 2      | a unit change is a unit change, whichever feature |
| same contributing-factor category     | 1.5    | each                                             |
| same suspicious feature               | 1      | each                                             |
| same model                            | 1      |                                                  |
| same tag                              | 1      | each                                             |
| a distinctive word in common          | 0.5    | each, from titles and post-mortem summaries      |

The score is that sum over the incident's own total (so 1.0 means "shares everything this one
has"), capped at 1. A suggestion needs at least `MIN_RAW` in common beyond the model: two
incidents of one model are not alike for that alone. A person's "not similar" removes the pair
for good; "similar" keeps it first with their name. Only incidents the viewer may see are ranked.
The sum is one GROUP BY over the index on (kind, value): the same query on PostgreSQL and SQLite,
whatever the number of incidents."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Case, FloatField, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import user_access
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput, NotFound
from apps.core.taxonomy import RootCauseCategory

from .models import Incident, IncidentSignal, SignalKind, SimilarityMark, SimilarityVerdict
from .selectors import incident_get, incident_get_for_work, incident_titles_as_seen_by, incident_visibility

K = SignalKind
WEIGHTS: dict[str, float] = {
    K.FLAG: 3.0, K.ROOT_CAUSE: 3.0, K.FLAG_KIND: 2.0, K.FACTOR: 1.5, K.FEATURE: 1.0, K.MODEL: 1.0, K.TAG: 1.0,
    K.TITLE_WORD: 0.5, K.SUMMARY_WORD: 0.5,
}
WORD_KINDS = (K.TITLE_WORD, K.SUMMARY_WORD)
MIN_RAW = 1.5
DEFAULT_LIMIT = 5

FLAG_LABELS = {
    "scale_shift": "scale shift (a unit change?)", "above_max": "above the training max",
    "below_min": "below the training min", "unseen_category": "unseen category", "missing": "missing value",
    "type_mismatch": "wrong type", "unknown_feature": "unknown feature", "default_value": "default value",
    "swapped": "swapped features", "non_finite": "not a finite number",
}


def _flag_label(kind: str) -> str:
    return FLAG_LABELS.get(kind, kind.replace("_", " "))


def _category_label(code: str) -> str:
    try:
        return RootCauseCategory(code).label
    except ValueError:
        return code.replace("_", " ")


@dataclass(frozen=True)
class SimilarIncident:
    incident_id: int
    title: str
    status: str
    status_label: str
    model_name: str
    created_at: datetime
    url: str
    score: float
    why: list[str]
    verdict: str = ""  # "similar" when a person marked it so
    marked_by: str = ""
    marked_at: datetime | None = None

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass(frozen=True)
class DismissedSuggestion:
    """A pair someone marked "not similar": shown so that it can be taken back."""

    incident_id: int
    title: str
    url: str
    marked_by: str
    marked_at: datetime


@dataclass(frozen=True)
class SimilarIncidents:
    suggestions: list[SimilarIncident] = field(default_factory=list)
    dismissed: list[DismissedSuggestion] = field(default_factory=list)


def _pair(first_id: int, second_id: int) -> tuple[int, int]:
    return (first_id, second_id) if first_id < second_id else (second_id, first_id)


def _marks_of(incident_id: int) -> dict[int, SimilarityMark]:
    marks = SimilarityMark.objects.filter(Q(incident_id=incident_id) | Q(other_id=incident_id)).select_related(
        "marked_by")
    return {mark.other_id if mark.incident_id == incident_id else mark.incident_id: mark for mark in marks}


def _reasons(*, shared: dict[str, set[str]], model_name: str, words_readable: bool) -> list[str]:
    why: list[str] = []
    if shared.get(K.ROOT_CAUSE):
        why.append("Same root cause: " + ", ".join(sorted(_category_label(c) for c in shared[K.ROOT_CAUSE])))
    flags = sorted(shared.get(K.FLAG, ()))
    for flag in flags:
        feature, kind = flag.rsplit(":", 1)
        why.append(f"Same input pattern: `{feature}` {_flag_label(kind)}")
    covered_kinds = {flag.rsplit(":", 1)[1] for flag in flags}
    for kind in sorted(shared.get(K.FLAG_KIND, set()) - covered_kinds):
        why.append(f"Same kind of input problem: {_flag_label(kind)} (in another feature)")
    covered_features = {flag.rsplit(":", 1)[0] for flag in flags}
    features = sorted(shared.get(K.FEATURE, set()) - covered_features)
    if features:
        why.append("Same suspicious feature" + ("s" if len(features) > 1 else "") + ": "
                   + ", ".join(f"`{name}`" for name in features))
    if shared.get(K.FACTOR):
        why.append("Same contributing factor" + ("s" if len(shared[K.FACTOR]) > 1 else "") + ": "
                   + ", ".join(sorted(_category_label(c) for c in shared[K.FACTOR])))
    if shared.get(K.TAG):
        why.append("Same tag" + ("s" if len(shared[K.TAG]) > 1 else "") + ": " + ", ".join(sorted(shared[K.TAG])))
    words = sorted(shared.get(K.TITLE_WORD, set()) | shared.get(K.SUMMARY_WORD, set()))
    if words:
        why.append("Similar wording: " + ", ".join(f"“{word}”" for word in words[:6]) if words_readable
                   else f"Similar wording ({len(words)} distinctive word{'s' if len(words) > 1 else ''} in common)")
    if shared.get(K.MODEL):
        why.append(f"Same model: {model_name}")
    return why


def _own_signals(incident_id: int) -> dict[str, set[str]]:
    own: dict[str, set[str]] = defaultdict(set)
    for kind, value in IncidentSignal.objects.filter(incident_id=incident_id).values_list("kind", "value"):
        own[kind].add(value)
    return own


def _total_weight(own: dict[str, set[str]]) -> float:
    words = own.get(K.TITLE_WORD, set()) | own.get(K.SUMMARY_WORD, set())
    return (sum(WEIGHTS[kind] * len(values) for kind, values in own.items() if kind not in WORD_KINDS)
            + WEIGHTS[K.TITLE_WORD] * len(words))


def _match_q(own: dict[str, set[str]]) -> Q:
    match = Q(pk__in=[])
    for kind, values in own.items():
        if kind not in WORD_KINDS:
            match |= Q(kind=kind, value__in=sorted(values))
    words = own.get(K.TITLE_WORD, set()) | own.get(K.SUMMARY_WORD, set())
    if words:
        match |= Q(kind__in=WORD_KINDS, value__in=sorted(words))
    return match


def similar_incidents(*, user, incident: Incident, limit: int = DEFAULT_LIMIT) -> SimilarIncidents:
    """The incidents most like `incident` that `user` may see, best first, with the reasons;
    and the pairs people dismissed. The caller has checked that the user sees `incident`."""
    own = _own_signals(incident.pk)
    marks = _marks_of(incident.pk)
    dismissed_ids = {other for other, mark in marks.items() if mark.verdict == SimilarityVerdict.NOT_SIMILAR}
    pinned_ids = {other for other, mark in marks.items() if mark.verdict == SimilarityVerdict.SIMILAR}
    visible = Incident.objects.filter(merged_into__isnull=True).exclude(pk=incident.pk)
    scope = incident_visibility(user)
    if scope is not None:
        visible = visible.filter(scope)
    weight = Case(*(When(kind=kind, then=Value(w)) for kind, w in WEIGHTS.items()), default=Value(0.0),
                  output_field=FloatField())
    model_weight = Case(When(kind=K.MODEL, then=Value(WEIGHTS[K.MODEL])), default=Value(0.0),
                        output_field=FloatField())
    ranked = (IncidentSignal.objects.filter(_match_q(own), incident_id__in=visible.values("pk"))
              .exclude(incident_id__in=dismissed_ids | pinned_ids)
              .values("incident_id").annotate(raw=Sum(weight), beyond_model=Sum(weight) - Sum(model_weight))
              .filter(beyond_model__gte=MIN_RAW).order_by("-raw", "-incident_id")[:limit])
    raw_by_id = {row["incident_id"]: row["raw"] for row in ranked}
    visible_marked = set(visible.filter(pk__in=pinned_ids | dismissed_ids).values_list("pk", flat=True))
    visible_pinned, visible_dismissed = visible_marked & pinned_ids, visible_marked & dismissed_ids
    ids = sorted(raw_by_id, key=lambda pk: (-raw_by_id[pk], -pk))[:limit]
    shown_ids = [*sorted(visible_pinned), *ids]
    shared: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for incident_id, kind, value in (IncidentSignal.objects.filter(_match_q(own), incident_id__in=shown_ids)
                                     .values_list("incident_id", "kind", "value")):
        shared[incident_id][kind].add(value)
    incidents = {found.pk: found for found in
                 Incident.objects.filter(pk__in=[*shown_ids, *dismissed_ids]).select_related("model")}
    titles = incident_titles_as_seen_by(user=user, incidents=incidents.values())
    total = _total_weight(own) or 1.0
    access = user_access(user)

    def readable(other: Incident) -> bool:
        return access.is_admin or (access.can_work_on_team(other.model.team_id)
                                   and access.can_work_on_team(incident.model.team_id))

    suggestions = []
    for other_id in shown_ids:
        other = incidents.get(other_id)
        if other is None:
            continue
        raw = sum(WEIGHTS.get(kind, 0) * len(values) for kind, values in shared[other_id].items())
        why = _reasons(shared=shared[other_id], model_name=other.model.name, words_readable=readable(other))
        mark = marks.get(other_id)
        if mark is not None and mark.verdict == SimilarityVerdict.SIMILAR:
            who = mark.marked_by.get_username() if mark.marked_by else "someone"
            why.insert(0, f"Marked similar by {who}")
        suggestions.append(SimilarIncident(
            incident_id=other.pk, title=titles[other.pk], status=other.status, status_label=other.get_status_display(),
            model_name=other.model.name, created_at=other.created_at,
            url=reverse("incidents:detail", args=[other.pk]), score=round(min(1.0, raw / total), 2), why=why,
            verdict=mark.verdict if mark else "", marked_by=mark.marked_by.get_username() if mark and mark.marked_by
            else "", marked_at=mark.marked_at if mark else None))
    dismissed = [DismissedSuggestion(incident_id=pk, title=titles[pk],
                                     url=reverse("incidents:detail", args=[pk]),
                                     marked_by=marks[pk].marked_by.get_username() if marks[pk].marked_by else "",
                                     marked_at=marks[pk].marked_at)
                 for pk in sorted(dismissed_ids) if pk in incidents and pk in visible_dismissed]
    return SimilarIncidents(suggestions=suggestions, dismissed=dismissed)


# --- Marks --------------------------------------------------------------------------------------

@transaction.atomic
def similarity_mark(*, incident_id: int, other_id: int, actor, verdict: str | None) -> SimilarityMark | None:
    """Records whether `other` is like `incident` ("similar", "not_similar"), or forgets the
    mark (None). The team that works on the incident decides; the other must be visible to them."""
    if verdict is not None and verdict not in SimilarityVerdict.values:
        raise InvalidInput(f"'{verdict}' is not a verdict. Use one of: {', '.join(SimilarityVerdict.values)}.",
                           errors={"verdict": ["Unknown verdict."]})
    incident = incident_get_for_work(user=actor, incident_id=incident_id)
    if other_id == incident_id:
        raise InvalidInput("An incident is always like itself: choose another one.", errors={"other": ["Same one."]})
    try:
        other = incident_get(user=actor, incident_id=other_id)
    except NotFound:
        raise InvalidInput(f"There is no incident {other_id}, or you may not see it.",
                           errors={"other": ["Unknown incident."]}) from None
    first, second = _pair(incident.pk, other.pk)
    existing = SimilarityMark.objects.select_for_update().filter(incident_id=first, other_id=second).first()
    old = {"other": other.pk, "verdict": existing.verdict} if existing else {}
    if verdict is None:
        if existing is not None:
            existing.delete()
            audit_record(actor=actor, action=AuditAction.INCIDENT_SIMILARITY_UNMARK, target=incident, old=old)
        return None
    if existing is not None and existing.verdict == verdict:
        return existing
    mark, _ = SimilarityMark.objects.update_or_create(
        incident_id=first, other_id=second,
        defaults={"verdict": verdict, "marked_by": actor if getattr(actor, "is_authenticated", False) else None,
                  "marked_at": timezone.now()})
    audit_record(actor=actor, action=AuditAction.INCIDENT_SIMILARITY_MARK, target=incident, old=old,
                 new={"other": other.pk, "verdict": verdict})
    return mark
