"""The fingerprint that groups reports about the same problem into one incident.

Pure functions of what a report holds: no database, no settings. A fingerprint is made of

- the **model** (its name);
- the **output class** (`output_class`): what the model answered, coarsened so that reports of
  one problem agree even when scores differ a little;
- the **surface** where it was seen (`context["surface"]`, trimmed and case-folded, so
  "Cellar-page " and "cellar-page" agree);
- the **input pattern** (`input_pattern`): the most suspicious flagged feature from input
  forensics and its kind of oddity, e.g. `proline:scale_shift`; empty when nothing is flagged.

The key is a SHA-256 over these parts (and a scheme tag, so a future change of the recipe never
collides with keys stored today); the label is the same parts for people to read.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SCHEME = "v1"
MAX_PART = 120

# When a feature carries several flags, the most specific explanation names the pattern:
# "scale_shift" says more than the "above_max" it comes with.
FLAG_PRIORITY = ("scale_shift", "type_mismatch", "unseen_category", "unknown_feature", "missing",
                 "above_max", "below_min")

# Keys under which structured outputs usually carry their class.
LABEL_KEYS = ("label", "class", "prediction", "output", "category")


@dataclass(frozen=True)
class Fingerprint:
    model: str
    output: str
    surface: str
    pattern: str

    @property
    def key(self) -> str:
        parts = [SCHEME, self.model, self.output, self.surface, self.pattern]
        return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()

    @property
    def label(self) -> str:
        """For people: `wine-cultivar · output class_1 · on cellar-page · input proline:scale_shift`."""
        parts = [self.model, f"output {self.output}"]
        if self.surface:
            parts.append(f"on {self.surface}")
        parts.append(f"input {self.pattern}" if self.pattern else "no suspicious input")
        return " · ".join(parts)


def _short(text: str) -> str:
    return text if len(text) <= MAX_PART else text[: MAX_PART - 1] + "…"


def numeric_bucket(value: float) -> str:
    """Scores and probabilities (|x| ≤ 1) fall into tenths: 0.93 → `[0.9, 1]`, -0.42 → `[-0.5, -0.4)`.
    Larger numbers fall into their order of magnitude with its sign: 1,234.5 → `[1e3, 1e4)`,
    -20 → `(-1e2, -1e1]`. Tenths keep a 0.91 and a 0.97 churn score together but apart from 0.15;
    decades keep a price of 120 with 480 but apart from 12,000 — the scale at which a unit or
    pipeline bug shows."""
    if value == 0:
        return "[0, 0.1)"
    if abs(value) <= 1:
        if value == 1:
            return "[0.9, 1]"
        low = math.floor(value * 10) / 10
        high = round(low + 0.1, 1)
        return f"[{low:g}, {high:g}{']' if high == 1 else ')'}"
    exponent = math.floor(math.log10(abs(value)))
    if value > 0:
        return f"[1e{exponent}, 1e{exponent + 1})"
    return f"(-1e{exponent + 1}, -1e{exponent}]"


def output_class(output: Any) -> str:
    """The class of a model's answer, in a few characters:

    - a string is the class as it is (`"class_1"`); a boolean is `true` / `false`;
    - an integer is a class index (`2`): classifiers answer with indices far more often than
      regressors answer with whole numbers;
    - any other number (a float) is a score: see `numeric_bucket`;
    - an object names its class under `label`, `class`, `prediction`, `output` or `category`;
      otherwise its sorted keys;
    - a list of numbers is a probability or score vector: the index of the largest
      (`argmax 2`); any other list is a ranking: its first item counts;
    - nothing (`null`) is `none`.
    """
    if output is None:
        return "none"
    if isinstance(output, bool):
        return "true" if output else "false"
    if isinstance(output, str):
        return _short(output)
    if isinstance(output, int):
        return str(output)
    if isinstance(output, float):
        return numeric_bucket(output) if math.isfinite(output) else str(output)
    if isinstance(output, Mapping):
        for key in LABEL_KEYS:
            if key in output:
                return output_class(output[key])
        return _short("object " + ",".join(sorted(str(key) for key in output)))
    if isinstance(output, (list, tuple)):
        if not output:
            return "empty list"
        if all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in output):
            return f"argmax {max(range(len(output)), key=lambda index: output[index])}"
        return output_class(output[0])
    return _short(str(output))


def surface_of(*contexts: Mapping[str, Any] | None) -> str:
    """The first `surface` given in these contexts (the report's, then its logged prediction's)."""
    for context in contexts:
        surface = (context or {}).get("surface")
        if surface not in (None, ""):
            return _short(str(surface).strip().casefold())
    return ""


def input_pattern(checks: Iterable[Mapping[str, Any]]) -> str:
    """`feature:flag` for the most suspicious flagged feature. `checks` come from
    `apps.registry.reference_checks.input_checks`, most suspicious first."""
    for check in checks:
        flags = list(check.get("flags") or [])
        if not flags:
            continue
        flag = min(flags, key=lambda name: FLAG_PRIORITY.index(name) if name in FLAG_PRIORITY else len(FLAG_PRIORITY))
        return _short(f"{check.get('feature')}:{flag}")
    return ""


def fingerprint(*, model_name: str, output: Any, contexts: Iterable[Mapping[str, Any] | None] = (),
                checks: Iterable[Mapping[str, Any]] = ()) -> Fingerprint:
    return Fingerprint(model=model_name, output=output_class(output), surface=surface_of(*contexts),
                       pattern=input_pattern(checks))
