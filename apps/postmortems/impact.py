"""Impact measured from the inference log: how many predictions (and, where the log's context
names them, users) share the incident's pattern over the impact window. The query is written
out in words next to the numbers, so that a reviewer can check what was counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Max, Min
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from apps.forensics.onset import odd_value_of
from apps.predictions.models import Prediction
from apps.registry.reference_checks import input_checks
from apps.reports.models import Report

from .models import Postmortem

# The keys model services commonly put the person behind a request under.
USER_KEYS = ("user_id", "account_id", "customer_id", "user", "account")
DEFAULT_LEAD = timedelta(hours=24)
# Measured in the request: beyond this many logged predictions the count is over the first ones
# and the query says so, instead of holding millions of rows in memory.
MAX_ROWS = 200_000


@dataclass(frozen=True)
class ImpactMeasurement:
    matching: int
    total: int
    users: int | None
    started_at: datetime
    ended_at: datetime
    query: str


def _fmt(value: Any) -> str:
    return f"{value:,.6g}" if isinstance(value, (int, float)) else repr(value)


def _pattern(report) -> tuple[str, str, Any, str]:
    """(kind, key, value, words) of what makes the incident's first report odd: its most
    suspicious feature when one is out of range, unseen or missing (as the onset finds it:
    `odd_value_of`); else its output."""
    checks = (input_checks(model_version=report.model_version, features=report.features or {})
              if report.model_version_id else [])
    odd = odd_value_of(checks)
    if odd is None:
        return "output", "", report.output, f"output = {_fmt(report.output)!s:.80}"
    name = odd.feature
    words = {"above": f"features.{name} > {_fmt(odd.value)} (the training max)",
             "below": f"features.{name} < {_fmt(odd.value)} (the training min)",
             "missing": f"features.{name} is missing or null",
             "equals": f"features.{name} = {_fmt(odd.value)} (never seen in training)"}[odd.kind]
    return odd.kind, name, odd.value, words


def impact_measure(*, postmortem: Postmortem) -> ImpactMeasurement | None:
    """None when the incident has no report to take a pattern from."""
    incident = postmortem.incident
    reports = Report.objects.filter(incident=incident).select_related("model_version")
    first = reports.order_by("created_at", "id").first()
    if first is None:
        return None
    span = reports.aggregate(first=Min("created_at"), last=Max("created_at"))
    started = postmortem.impact_started_at or span["first"] - DEFAULT_LEAD
    ended = postmortem.impact_ended_at or max(span["last"], started)
    version_ids = sorted(set(reports.values_list("model_version_id", flat=True)))
    kind, key, value, words = _pattern(first)
    logged = Prediction.objects.filter(model_version_id__in=version_ids, timestamp__gte=started,
                                       timestamp__lte=ended).order_by()
    columns = {f"user_{name}": KeyTransform(name, "context") for name in USER_KEYS}
    if kind != "output":
        columns["value"] = KeyTransform(key, "features")
    fields = [*columns, "output"] if kind == "output" else list(columns)
    logged_count = logged.count()
    frame = pd.DataFrame.from_records(list(logged.annotate(**columns).values(*fields)[:MAX_ROWS]), columns=fields)
    total = len(frame)
    if kind == "output":
        mask = frame["output"].map(lambda logged_output: logged_output == value) if total else frame["output"]
    elif kind == "missing":
        mask = frame["value"].isna()
    elif kind == "equals":
        mask = frame["value"].astype(str) == str(value)
    else:
        numbers = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype=float)
        mask = pd.Series(numbers > value if kind == "above" else numbers < value, index=frame.index)
    matching_rows = frame[mask.astype(bool)] if total else frame
    users = None
    for name in USER_KEYS:
        present = matching_rows[f"user_{name}"].dropna()
        if len(present):
            users = int(present.astype(str).nunique())
            user_words = f"; distinct context.{name}: {users:,}"
            break
    else:
        user_words = "; the log's context names no user (user_id, account_id, …), so users are not counted"
    versions = ", ".join(sorted({report.model_version.version for report in reports if report.model_version_id}))
    query = (f"Predictions of {incident.model.name} version(s) {versions} logged from "
             f"{timezone.localtime(started):%Y-%m-%d %H:%M} to {timezone.localtime(ended):%Y-%m-%d %H:%M} "
             f"({timezone.get_current_timezone_name()}) where {words}: {int(np.sum(mask)) if total else 0:,} of "
             f"{total:,}{user_words}."
             + (f" Only the first {MAX_ROWS:,} of the {logged_count:,} predictions in the window were read: narrow the "
                "impact window for an exact count." if logged_count > total else ""))
    return ImpactMeasurement(matching=len(matching_rows), total=total, users=users, started_at=started,
                             ended_at=ended, query=query)
