"""What the diagnosis reasons from, read once from the database: the report's inputs and
output, every registered version of its model, the input checks, what the reporter expected,
and — for drift and change points — the drift reports and the inference log around it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models.fields.json import KeyTransform

from apps.forensics.models import DriftReport, JobStatus
from apps.predictions.models import Prediction
from apps.registry.models import ModelVersion
from apps.registry.reference_checks import fmt, input_checks, is_number
from apps.replays.models import ExpectedOutcome, Predicate
from apps.reports.models import Report

# A drift report counts for a report when its window touches these days around it.
DRIFT_DAYS_AROUND = timedelta(days=2)
# How far back the inference log is searched for the start of the report's odd pattern, and
# how close that start must be to a version's registration to be a change point.
CHANGE_POINT_LOOKBACK = timedelta(days=30)
CHANGE_POINT_NEAR = timedelta(hours=24)  # the registration at most this long before


@dataclass(frozen=True)
class Expectation:
    """What the right answer would have been: an agreed expected outcome (a predicate), or a
    label the reporter named in their own words."""

    predicate: str
    value: Any
    field: str = ""
    source: str = "expected outcome"

    @property
    def words(self) -> str:
        if self.predicate == Predicate.EQUALS:
            return _said(self.value)
        if self.predicate == Predicate.IN_SET and isinstance(self.value, list):
            return " or ".join(_said(item) for item in self.value)
        return f"{Predicate(self.predicate).label.lower()} {_said(self.value)}"


@dataclass
class DriftFact:
    drift_report_id: int
    window: str
    drifted: list[str]


@dataclass
class ChangePointFact:
    feature: str
    condition: str
    first_seen: datetime
    earlier_without: int
    version: str | None = None
    registered_at: datetime | None = None


@dataclass
class CaseFacts:
    report_id: int
    features: dict[str, Any]
    output: Any
    has_output: bool
    logged_version: ModelVersion | None
    other_versions: list[ModelVersion]
    checks: list[dict[str, Any]]
    stats: dict[str, dict]
    schema: dict[str, Any]
    tolerance: dict[str, float]
    reference_sample: list[dict] = field(default_factory=list)
    expectation: Expectation | None = None
    expected_text: str = ""
    created_at: datetime | None = None
    drift: list[DriftFact] = field(default_factory=list)
    drift_checked: bool = False
    change_point: ChangePointFact | None = None
    change_point_note: str = ""
    redacted: list[str] = field(default_factory=list)


def _said(value: Any) -> str:
    from apps.core.humanize import value as human_value

    return human_value(value) if not isinstance(value, str) else value


def label_in_words(text: str, labels: list[Any]) -> Any | None:
    """The one label the text names as a whole word ("class_1, like the bottle says" → class_1);
    None when it names none or several."""
    if not text:
        return None
    named = [label for label in labels if isinstance(label, str) and label and re.search(
        rf"(?<![\w-]){re.escape(label)}(?![\w-])", text, flags=re.IGNORECASE)]
    return named[0] if len(set(named)) == 1 else None


def gather(report: Report) -> CaseFacts:
    version = report.model_version if report.model_version_id else None
    features = report.features if isinstance(report.features, dict) else {}
    model = report.model if report.model_id else None
    # Other versions are only run: their reference (megabytes of JSON) is not read.
    others = list(ModelVersion.objects.filter(model_id=report.model_id).exclude(pk=report.model_version_id)
                  .defer("reference_sample", "reference_stats").order_by("created_at", "pk")) if report.model_id else []
    stats = ((version.reference_stats or {}).get("features", {}) if version else {})
    checks = input_checks(model_version=version, features=features) if version is not None else []
    facts = CaseFacts(
        report_id=report.pk, features=features, output=report.output, has_output=report.output is not None,
        logged_version=version, other_versions=others, checks=checks, stats=stats,
        schema=(version.feature_schema or {}) if version else {},
        tolerance={"abs_tol": model.abs_tolerance, "rel_tol": model.rel_tolerance} if model else
        {"abs_tol": 1e-6, "rel_tol": 1e-6},
        reference_sample=list(version.reference_sample or []) if version else [],
        expected_text=report.expected or "", created_at=report.created_at,
        redacted=sorted(name for name, check in ((c["feature"], c) for c in checks) if "redacted" in check["flags"]),
    )
    expected = ExpectedOutcome.objects.filter(report_id=report.pk).first()
    if expected is not None:
        facts.expectation = Expectation(expected.predicate, expected.value, expected.field)
    if version is not None:
        _drift(facts, version)
        _change_point(facts, report)
    return facts


def _top_flagged(facts: CaseFacts) -> dict | None:
    return next((check for check in facts.checks if check.get("flags") and check.get("score", 0) >= 0.5
                 and "redacted" not in check["flags"]), None)


def _drift(facts: CaseFacts, version: ModelVersion) -> None:
    if facts.created_at is None:
        return
    around = DriftReport.objects.filter(
        model_version=version, status=JobStatus.SUCCEEDED,
        window_end__gte=facts.created_at - DRIFT_DAYS_AROUND,
        window_start__lte=facts.created_at + DRIFT_DAYS_AROUND).order_by("-window_end")[:5]
    facts.drift_checked = True
    for drift in around:
        window = f"{drift.window_start:%Y-%m-%d %H:%M} – {drift.window_end:%Y-%m-%d %H:%M}"
        facts.drift.append(DriftFact(drift.pk, window, list(drift.drifted_features or [])))


def _change_point(facts: CaseFacts, report: Report) -> None:
    """When did the report's odd pattern (its most suspicious flagged feature's condition)
    first appear in the log, and was a version registered close to that moment?"""
    check = _top_flagged(facts)
    if check is None or facts.created_at is None:
        facts.change_point_note = "No input stands out, so there is no pattern to look for in the log."
        return
    name, value, flags, ref = check["feature"], check["value"], check["flags"], facts.stats.get(check["feature"]) or {}
    # The key goes through KeyTransform, not a `features__<name>` keyword: names may hold
    # spaces or "__".
    lookup: dict[str, Any]
    low, high = ref.get("min"), ref.get("max")
    span = (high - low) if low is not None and high is not None else 0.0
    if "above_max" in flags and high is not None:
        # A value as far out as the report's (a unit change is far beyond the range), not
        # the live values that graze the maximum now and then.
        edge = high + span if is_number(value) and value > high + span else high
        lookup = {"odd__gt": edge}
        condition = (f"above {fmt(edge)} (the training maximum is {fmt(high)})" if edge != high
                     else f"above the training maximum ({fmt(high)})")
    elif "below_min" in flags and low is not None:
        edge = low - span if is_number(value) and value < low - span else low
        lookup = {"odd__lt": edge}
        condition = (f"below {fmt(edge)} (the training minimum is {fmt(low)})" if edge != low
                     else f"below the training minimum ({fmt(low)})")
    elif "unseen_category" in flags and isinstance(value, str):
        lookup, condition = {"odd": value}, f"= '{value}'"
    elif "missing" in flags:
        lookup, condition = {"odd__isnull": True}, "missing"
    else:
        facts.change_point_note = f"The log cannot be searched for `{name}`'s pattern ({', '.join(flags)})."
        return
    if not is_number(value) and "unseen_category" not in flags and "missing" not in flags:
        return
    start = facts.created_at - CHANGE_POINT_LOOKBACK
    window = Prediction.objects.filter(model_id=report.model_id, timestamp__gte=start,
                                       timestamp__lte=facts.created_at)
    odd = window.annotate(odd=KeyTransform(name, "features")).filter(**lookup)
    first = odd.order_by("timestamp").values_list("timestamp", flat=True).first()
    if first is None:
        facts.change_point_note = (f"No logged prediction in the 30 days before the report has `{name}` "
                                   f"{condition}: the pattern does not show in the log.")
        return
    earlier = window.filter(timestamp__lt=first).count()
    fact = ChangePointFact(feature=name, condition=condition, first_seen=first, earlier_without=earlier)
    # A registration shortly *before* the pattern starts can have caused it; one after cannot.
    near = (ModelVersion.objects.filter(model_id=report.model_id, created_at__gte=first - CHANGE_POINT_NEAR,
                                        created_at__lte=first)
            .order_by("-created_at").first())
    if near is not None:
        fact.version, fact.registered_at = near.version, near.created_at
    facts.change_point = fact
