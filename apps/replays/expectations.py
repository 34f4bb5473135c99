"""The regression suite's predicates on a model's output, as pure functions: the worker, the
API's validation and the pages all use these."""

from __future__ import annotations

import math
from typing import Any

from apps.core.errors import InvalidInput

from .comparison import is_number, outputs_match
from .models import Predicate

_MISSING = object()


def expectation_validate(*, predicate: str, value: Any, field: str) -> None:
    if predicate not in Predicate.values:
        raise InvalidInput(f"Unknown predicate '{predicate}'.",
                           errors={"predicate": [f"Use one of {', '.join(Predicate.values)}."]})
    if predicate == Predicate.IN_SET and not (isinstance(value, list) and value):
        raise InvalidInput("'in_set' needs a non-empty list of allowed outputs.",
                           errors={"value": ["Give a non-empty list."]})
    if predicate in (Predicate.SCORE_BELOW, Predicate.SCORE_ABOVE) and not _finite_number(value):
        raise InvalidInput(f"'{predicate}' needs a number to compare the score with.",
                           errors={"value": ["Give a finite number."]})
    if len(field) > 100:
        raise InvalidInput("The field name is longer than 100 characters.", errors={"field": ["Too long."]})


def _finite_number(value: Any) -> bool:
    if not is_number(value):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer too large for a float
        return False


def _target(output: Any, field: str) -> Any:
    if not field:
        return output
    if isinstance(output, dict):
        return output.get(field, _MISSING)
    return _MISSING


def expectation_met(*, predicate: str, value: Any, field: str, output: Any, abs_tol: float,
                    rel_tol: float) -> bool:
    """Whether `output` satisfies the expectation. Equality follows the replay rules: labels
    exactly, scores within the model's tolerance."""
    target = _target(output, field)
    if target is _MISSING:
        return False
    if predicate == Predicate.EQUALS:
        return outputs_match(value, target, abs_tol=abs_tol, rel_tol=rel_tol)
    if predicate == Predicate.NOT_EQUALS:
        return not outputs_match(value, target, abs_tol=abs_tol, rel_tol=rel_tol)
    if predicate == Predicate.IN_SET:
        return any(outputs_match(allowed, target, abs_tol=abs_tol, rel_tol=rel_tol) for allowed in value)
    if not is_number(target):
        return False  # a score predicate on a label or a missing score is not met
    # Python compares ints and floats exactly, whatever their size: no conversion needed.
    if predicate == Predicate.SCORE_BELOW:
        return target < value
    if predicate == Predicate.SCORE_ABOVE:
        return target > value
    return False
