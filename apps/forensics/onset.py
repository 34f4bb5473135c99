"""When an incident's pattern first shows in the inference log (`IncidentOnset`): the earliest
logged prediction, of the versions its reports came from and within `LOOKBACK` before its first
report, whose input is odd the way the first report's is — its most suspicious feature above the
training max, below the min, missing, or the same unseen category. Suspect change events are
judged against this moment, and insights measure time to detect from it. Computed after a
report's forensics (apps/forensics/services.py) and by `rebuild_incident_signatures`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from apps.core.humanize import number
from apps.incidents.models import IncidentOnset
from apps.incidents.signature import incident_flags_add
from apps.predictions.models import Prediction
from apps.registry.reference_checks import input_checks
from apps.reports.models import Report

LOOKBACK = timedelta(days=30)
# How many of a report's most suspicious features join its incident's signature.
SIGNATURE_FLAGS = 3
_NOT_A_FINDING = {"redacted"}


@dataclass(frozen=True)
class Pattern:
    feature: str
    condition: Q  # on the alias `odd_value`
    words: str  # "`proline` above 1,680 (the training max)"


@dataclass(frozen=True)
class OddValue:
    """What makes a report's input odd, as one comparison on one feature: `kind` "above" or
    "below" (`value` is the training max or min), "missing" (`value` None) or "equals" (`value`
    is the category never seen in training)."""

    kind: str
    feature: str
    value: Any


def odd_value_of(checks: list[dict[str, Any]]) -> OddValue | None:
    """The first of a report's five most suspicious features that is above the training max
    (a unit change that lands above it counts), below the min, missing, or an unseen category;
    None when none is. `checks` come from `input_checks`, most suspicious first. The onset and
    the post-mortem's impact count both look for this in the inference log."""
    for check in checks[:5]:
        flags, reference, name = set(check.get("flags") or []), check.get("reference") or {}, check["feature"]
        value = check.get("value")
        above = "above_max" in flags or ("scale_shift" in flags and isinstance(value, (int, float))
                                         and reference.get("max") is not None and value > reference["max"])
        below = "below_min" in flags or ("scale_shift" in flags and isinstance(value, (int, float))
                                         and reference.get("min") is not None and value < reference["min"])
        if above and reference.get("max") is not None:
            return OddValue("above", name, reference["max"])
        if below and reference.get("min") is not None:
            return OddValue("below", name, reference["min"])
        if "missing" in flags:
            return OddValue("missing", name, None)
        if "unseen_category" in flags and isinstance(value, (str, int)) and not isinstance(value, bool):
            return OddValue("equals", name, value)
    return None


def _pattern(checks: list[dict[str, Any]]) -> Pattern | None:
    odd = odd_value_of(checks)
    if odd is None:
        return None
    name = odd.feature
    if odd.kind == "above":
        return Pattern(name, Q(odd_value__gt=odd.value), f"`{name}` above {number(odd.value)} (the training max)")
    if odd.kind == "below":
        return Pattern(name, Q(odd_value__lt=odd.value), f"`{name}` below {number(odd.value)} (the training min)")
    if odd.kind == "missing":
        return Pattern(name, Q(odd_value__isnull=True) | Q(odd_value=None), f"`{name}` missing")
    return Pattern(name, Q(odd_value=odd.value), f"`{name}` = “{odd.value}” (never seen in training)")


def report_flags(checks: list[dict[str, Any]]) -> list[str]:
    """`feature:flag` for the report's most suspicious flagged features."""
    flagged = [check for check in checks if set(check.get("flags") or []) - _NOT_A_FINDING]
    return [f"{check['feature']}:{flag}" for check in flagged[:SIGNATURE_FLAGS]
            for flag in check["flags"] if flag not in _NOT_A_FINDING]


@transaction.atomic
def incident_onset_compute(*, incident_id: int) -> IncidentOnset | None:
    """(Re)computes the incident's onset from its first report; None when it has no report with
    a model version. Safe to run any number of times."""
    reports = Report.objects.filter(incident_id=incident_id, model_version__isnull=False)
    first = reports.select_related("model_version").order_by("created_at", "id").first()
    if first is None:
        return None
    checks = input_checks(model_version=first.model_version, features=first.features or {})
    pattern = _pattern(checks)
    found = None
    if pattern is not None:
        version_ids = sorted(set(reports.values_list("model_version_id", flat=True)))
        found = (Prediction.objects.filter(model_version_id__in=version_ids,
                                           timestamp__gte=first.created_at - LOOKBACK,
                                           timestamp__lte=first.created_at)
                 .alias(odd_value=KeyTransform(pattern.feature, "features")).filter(pattern.condition)
                 .order_by("timestamp", "id").values("timestamp", "prediction_id").first())
    onset, _ = IncidentOnset.objects.update_or_create(incident_id=incident_id, defaults={
        "first_odd_prediction_at": found["timestamp"] if found else None,
        "prediction_id": found["prediction_id"][:200] if found else "",
        "pattern": pattern.words[:300] if pattern else "", "computed_at": timezone.now()})
    return onset


def report_signature_write(*, report_id: int) -> None:
    """After a report's forensics: its flags join its incident's signature, and the onset is
    computed again when this is the incident's first report (or none was computed yet)."""
    report = Report.objects.select_related("model_version").filter(pk=report_id).first()
    if report is None or report.model_version is None or report.incident_id is None:
        return
    checks = input_checks(model_version=report.model_version, features=report.features or {})
    incident_flags_add(incident_id=report.incident_id, flags=report_flags(checks))
    first_id = (Report.objects.filter(incident_id=report.incident_id).order_by("created_at", "id")
                .values_list("pk", flat=True).first())
    if first_id == report.pk or not IncidentOnset.objects.filter(incident_id=report.incident_id).exists():
        incident_onset_compute(incident_id=report.incident_id)
