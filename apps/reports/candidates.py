"""Which logged predictions a report whose inputs are missing may be about, ranked.

A person who saw something wrong rarely has a prediction id. What they do have lands in the
report: context (a request id or customer id from a screenshot, the surface they were on), the
time they saw it, and the answer they describe. The team sees the predictions of the log that
fit best, each with why, and links one with a click (`report_prediction_link`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q

from apps.accounts.access import require_work_on_model
from apps.core.errors import Conflict
from apps.incidents.report_fingerprint import output_class
from apps.predictions.models import Prediction

from .models import InputsSource, Report
from .selectors import report_get

MAX_CANDIDATES = 20
# Around the moment the person saw it: people misremember by hours, not days; the log is searched
# from a day before to an hour after (a report is filed after the fact).
BEFORE = timedelta(hours=24)
AFTER = timedelta(hours=1)
WINDOW_ROWS = 500
PER_KEY_ROWS = 50
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
# Context keys that name one request or one person: a match on one is nearly proof.
STRONG_KEYS = {"request_id": 10.0, "trace_id": 10.0, "session_id": 6.0}
IDENTITY_WEIGHT = 5.0
SURFACE_WEIGHT = 2.0
TIME_WEIGHT = 3.0
OUTPUT_WEIGHT = 3.0


@dataclass(frozen=True)
class Candidate:
    prediction_id: str
    timestamp: datetime
    model_version: str
    output: Any
    context: dict
    score: float
    why: tuple[str, ...]


@dataclass(frozen=True)
class CandidateSearch:
    report_id: int
    model: str
    around: datetime  # the time searched around: when the person saw it, else when they filed it
    candidates: list[Candidate]
    message: str  # why the list is empty, when it is


def _identifying(context: dict) -> dict[str, Any]:
    """The report's context fields that can be matched against the log: not the surface (it is
    a weight of its own), only plain values under well-formed keys."""
    return {key: value for key, value in (context or {}).items()
            if key != "surface" and isinstance(key, str) and _KEY.match(key) and "__" not in key
            and isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip()}


def _context_match(key: str, value: Any) -> Q:
    condition = Q(**{f"context__{key}": value})
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            number = None
        if number is not None and number.is_integer() and abs(number) < 2**53:
            condition |= Q(**{f"context__{key}": int(number)})
    else:
        condition |= Q(**{f"context__{key}": str(value)})
    return condition


def _minutes(delta: timedelta) -> str:
    minutes = round(abs(delta.total_seconds()) / 60)
    if minutes < 1:
        return "within a minute of"
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''} {'after' if delta.total_seconds() > 0 else 'before'}"
    hours = round(minutes / 60)
    return f"{hours} hours {'after' if delta.total_seconds() > 0 else 'before'}"


def _described_output(report: Report) -> tuple[str, str]:
    """(class of the answer the reporter gave, the reporter's words, folded)."""
    given = output_class(report.output) if report.output is not None else ""
    words = " ".join((report.title, report.description, report.expected)).casefold()
    return given, words


def _score(prediction: Prediction, *, report: Report, keys: dict[str, Any], surface: str, around: datetime,
           given: str, words: str) -> tuple[float, list[str]]:
    score, why = 0.0, []
    logged = prediction.context if isinstance(prediction.context, dict) else {}
    for key, value in keys.items():
        if key in logged and str(logged[key]) == str(value):
            score += STRONG_KEYS.get(key, IDENTITY_WEIGHT)
            why.append(f"same {key.replace('_', ' ')} {value}")
    if surface and str(logged.get("surface", "")).strip().casefold() == surface:
        score += SURFACE_WEIGHT
        why.append(f"on the same surface ({surface})")
    delta = prediction.timestamp - around
    window = BEFORE if delta.total_seconds() < 0 else AFTER
    closeness = max(0.0, 1 - abs(delta.total_seconds()) / window.total_seconds())
    if closeness > 0:
        score += TIME_WEIGHT * closeness
        why.append(f"logged {_minutes(delta)} the time {'they saw it' if report.seen_at else 'the report was filed'}")
    answer = output_class(prediction.output)
    if given and answer == given:
        score += OUTPUT_WEIGHT
        why.append(f"answered {answer}, as the reporter says")
    elif not given and len(answer) >= 3 and answer.casefold() in words:
        score += OUTPUT_WEIGHT
        why.append(f"answered {answer}, which the report mentions")
    return score, why


def prediction_candidates(*, user, report_id: int) -> CandidateSearch:
    """The logged predictions a report whose inputs are missing may be about, best first, at
    most 20, for the model's team (404 for who may not see the report, 403 for who may see but
    not work on it, 409 for an unsorted report: it needs a model first). A report whose inputs
    are known, or a model with nothing in its log, gets an empty list and a sentence saying why."""
    report = report_get(user=user, report_id=report_id)
    if report.model_id is None:
        raise Conflict(f"WTF-{report.pk} is unsorted: assign it a model first, then search that model's log.")
    require_work_on_model(actor=user, model=report.model, action="search its inference log for a report")
    around = report.seen_at or report.created_at
    if report.inputs != InputsSource.MISSING:
        return CandidateSearch(report.pk, report.model.name, around, [],
                               f"WTF-{report.pk} already has its inputs ({report.get_inputs_display().lower()}).")
    log = Prediction.objects.filter(model_id=report.model_id)
    if not log.exists():
        return CandidateSearch(report.pk, report.model.name, around, [],
                               f"{report.model.name} has logged no predictions yet, so there is nothing to link: its "
                               "service logs them with POST /api/v1/predictions/.")
    keys = _identifying(report.context)
    surface = str((report.context or {}).get("surface") or "").strip().casefold()
    found: dict[int, Prediction] = {}
    for key, value in keys.items():
        for prediction in log.filter(_context_match(key, value)).order_by("-timestamp")[:PER_KEY_ROWS]:
            found[prediction.pk] = prediction
    window = log.filter(timestamp__gte=around - BEFORE, timestamp__lte=around + AFTER)
    if surface:
        window = window.filter(Q(context__surface=surface) | Q(context__surface=report.context.get("surface")))
    for prediction in window.order_by("-timestamp")[:WINDOW_ROWS]:
        found.setdefault(prediction.pk, prediction)
    given, words = _described_output(report)
    versions = dict(report.model.versions.values_list("pk", "version"))
    ranked = []
    for prediction in found.values():
        score, why = _score(prediction, report=report, keys=keys, surface=surface, around=around, given=given,
                            words=words)
        if score > 0:
            ranked.append(Candidate(prediction_id=prediction.prediction_id, timestamp=prediction.timestamp,
                                    model_version=versions.get(prediction.model_version_id, ""),
                                    output=prediction.output, context=prediction.context or {},
                                    score=round(score, 2), why=tuple(why)))
    ranked.sort(key=lambda candidate: (-candidate.score, abs((candidate.timestamp - around).total_seconds())))
    message = "" if ranked else (
        f"No logged prediction of {report.model.name} matches this report's context or falls near the time it "
        "was seen. Ask the reporter for a request id or the time, or link one by its id.")
    return CandidateSearch(report.pk, report.model.name, around, ranked[:MAX_CANDIDATES], message)
