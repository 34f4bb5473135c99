from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from apps.accounts.access import require_work_on_model, user_access
from apps.core.errors import InvalidInput
from apps.registry.models import Model, ModelVersion

from .models import Prediction


def prediction_find(*, model: Model, prediction_id: str) -> Prediction:
    found = Prediction.objects.select_related("model_version", "model").filter(
        model=model, prediction_id=prediction_id
    ).first()
    if found is None:
        raise InvalidInput(
            f"No logged prediction '{prediction_id}' for model '{model.name}'. Check the id, or give "
            "model_version and features instead.",
            errors={"prediction_id": ["Not found in the inference log."]},
        )
    return found


def prediction_models_for_id(*, prediction_id: str, limit: int = 5) -> list[Model]:
    """The models whose log holds this prediction id (ids are unique per model, not across
    models): how a report that names an id but no model finds its model."""
    ids = (Prediction.objects.filter(prediction_id=prediction_id).order_by("model_id")
           .values_list("model_id", flat=True).distinct()[:limit])
    return list(Model.objects.filter(pk__in=list(ids)).order_by("name"))


@dataclass(frozen=True)
class PredictionPreview:
    """What the report form shows for a prediction id before anything is filed. Whoever may
    file sees that the id was found, when, and what the model answered — enough to say "yes,
    that one"; the logged inputs (production data) and the version are the owning team's."""

    prediction_id: str
    timestamp: datetime
    output: Any
    version: str | None  # None: withheld from a reader outside the team
    features: dict | None  # None: withheld from a reader outside the team

    @property
    def inputs_withheld(self) -> bool:
        return self.features is None


def prediction_preview(*, user, model: Model, prediction_id: str) -> PredictionPreview:
    """Raises InvalidInput when the id is not logged for `model`: found or not is what a reporter
    needs to file by id, and all an error tells."""
    prediction = prediction_find(model=model, prediction_id=prediction_id)
    team = user_access(user).can_work_on_team(model.team_id)
    return PredictionPreview(
        prediction_id=prediction.prediction_id, timestamp=prediction.timestamp, output=prediction.output,
        version=prediction.model_version.version if team else None,
        features=prediction.features if team else None,
    )


def predictions_recent(*, model_version: ModelVersion | None = None, model: Model | None = None,
                       limit: int = 20) -> QuerySet[Prediction]:
    queryset = Prediction.objects.select_related("model_version", "model")
    if model_version is not None:
        queryset = queryset.filter(model_version=model_version)
    if model is not None:
        queryset = queryset.filter(model=model)
    return queryset.order_by("-timestamp", "-id")[:limit]


_CONTEXT_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
MAX_MATCHES_SHOWN = 10


@dataclass(frozen=True)
class PredictionLookup:
    """Finding a logged prediction by what a reporter knows: context fields (a request id
    from a screenshot, a customer id) and a time window."""

    context: dict[str, str]
    since: datetime | None = None
    until: datetime | None = None

    @classmethod
    def parse(cls, data: Any) -> PredictionLookup:
        if not isinstance(data, dict):
            raise InvalidInput('lookup must be an object like {"context": {"request_id": "…"}, "from": "…"}.',
                               errors={"lookup": ["Expected an object."]})
        context = data.get("context") or {}
        if not isinstance(context, dict) or not context or len(context) > 10:
            raise InvalidInput("lookup.context must name 1 to 10 context fields and their values.",
                               errors={"lookup.context": ["Expected an object with 1 to 10 fields."]})
        problems = {f"lookup.context.{key}"[:100]: ["Use letters, digits, '-' or '_' (at most 64)."]
                    for key in context if not isinstance(key, str) or not _CONTEXT_KEY.match(key) or "__" in key}
        problems.update({f"lookup.context.{key}": ["Give the value as text or a number."]
                         for key, value in context.items() if key not in problems
                         and (not isinstance(value, (str, int, float)) or isinstance(value, bool)
                              or len(str(value)) > 200)})
        bounds = {}
        for name in ("from", "to"):
            raw = data.get(name)
            if raw is None:
                bounds[name] = None
                continue
            try:
                parsed = parse_datetime(raw) if isinstance(raw, str) else None
            except ValueError:  # well formed but impossible, e.g. month 13
                parsed = None
            if parsed is None:
                problems[f"lookup.{name}"] = ["Use an ISO 8601 date-time, e.g. 2026-11-23T10:00:00Z."]
            else:
                bounds[name] = parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)
        if problems:
            raise InvalidInput("The prediction lookup needs fixing.", errors=problems)
        return cls(context={key: str(value) for key, value in context.items()}, since=bounds["from"],
                   until=bounds["to"])

    def describe(self) -> str:
        fields = ", ".join(f"{key}={value}" for key, value in self.context.items())
        window = ""
        if self.since or self.until:
            window = f" between {self.since.isoformat() if self.since else 'the start'} and " \
                     f"{self.until.isoformat() if self.until else 'now'}"
        return f"context {fields}{window}"


def predictions_matching(*, model: Model, lookup: PredictionLookup, limit: int = MAX_MATCHES_SHOWN + 1):
    queryset = Prediction.objects.select_related("model_version", "model").filter(model=model)
    for key, value in lookup.context.items():
        # Logged context values may be numbers or text; a reporter types text.
        numeric = _as_number(value)
        condition = Q(**{f"context__{key}": value})
        if numeric is not None:
            condition |= Q(**{f"context__{key}": numeric})
        queryset = queryset.filter(condition)
    if lookup.since:
        queryset = queryset.filter(timestamp__gte=lookup.since)
    if lookup.until:
        queryset = queryset.filter(timestamp__lte=lookup.until)
    return list(queryset.order_by("-timestamp", "-id")[:limit])


def _as_number(value: str) -> int | float | None:
    """The number a typed value also stands for, if any. "nan", "inf", "Infinity" and "1e400"
    stand for none: JSON has no such numbers, so no logged context holds one (PostgreSQL
    refuses them as json, SQLite would compare them as text). They are matched as the text
    typed, which is what a customer id "nan" or "Infinity" really is."""
    try:
        number = float(value)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**63 else number


def prediction_find_by_lookup(*, model: Model, lookup: PredictionLookup) -> Prediction:
    """Exactly one match, or an error that says what was found."""
    found = predictions_matching(model=model, lookup=lookup)
    if not found:
        raise InvalidInput(f"No logged prediction of '{model.name}' matches {lookup.describe()}. Check the values "
                           "or widen the time window.", errors={"lookup": ["Nothing matches."]})
    if len(found) > 1:
        shown = ", ".join(p.prediction_id for p in found[:MAX_MATCHES_SHOWN])
        more = " and more" if len(found) > MAX_MATCHES_SHOWN else ""
        raise InvalidInput(f"Several logged predictions of '{model.name}' match {lookup.describe()}: {shown}{more}. "
                           "Narrow the time window, add a context field, or give the prediction_id.",
                           errors={"lookup": [f"{len(found)}{'+' if more else ''} matches: {shown}{more}"]},
                           extra={"candidates": [p.prediction_id for p in found[:MAX_MATCHES_SHOWN]]})
    return found[0]


def predictions_search(*, user, model: Model, prediction_id: str | None = None,
                       lookup: PredictionLookup | None = None, limit: int = 200) -> list[Prediction]:
    """The team's search of its inference log: one id, or a lookup by context and time."""
    require_work_on_model(actor=user, model=model, action="search its inference log")
    if prediction_id:
        return list(Prediction.objects.select_related("model", "model_version")
                    .filter(model=model, prediction_id=prediction_id))
    return predictions_matching(model=model, lookup=lookup, limit=limit)


def predictions_per_day(*, model: Model, since: datetime) -> dict:
    """{day: {"logged": n}} over the model's log since `since` (days in the current time zone)."""
    rows = (Prediction.objects.filter(model_version__model=model, timestamp__gte=since)
            .annotate(day=TruncDate("timestamp")).values("day").annotate(n=Count("id")).order_by())
    return {row["day"]: {"logged": row["n"]} for row in rows}


def output_mix(*, model: Model, since: datetime, top: int = 6) -> list[tuple[Any, int]]:
    """The most frequent outputs logged since `since`, with their counts, most frequent first."""
    rows = (Prediction.objects.filter(model_version__model=model, timestamp__gte=since)
            .values("output").annotate(n=Count("id")).order_by("-n")[:top])
    return [(row["output"], row["n"]) for row in rows]
