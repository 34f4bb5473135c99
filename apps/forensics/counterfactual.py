"""Counterfactual replays: "what would the model have answered if this input were repaired?"

Given a registered version, a base input and variants of it (the logged input with one
feature rescaled, clipped, swapped back, filled with the median…), every variant runs through
the version's own backend in **one** batched predict: one DataFrame, one vectorised call,
never a loop per variant. Loading goes through the registry's backends exactly as a replay
does: the artifact's sha256 is checked before any code in it runs, and a loaded model is kept
in the worker's model cache, so the next report's counterfactuals load nothing.

Pure of the database apart from the version row itself: the input checks (the i20 hints) and
the differential diagnosis both call it, and both decide what a variant means.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from apps.core.errors import DomainError
from apps.registry.backends import LoadedModel, backend_for
from apps.registry.models import ModelVersion
from apps.registry.redaction import is_redacted

# Enough for a report's repairs and repeated runs; a caller asking for more is doing a replay.
MAX_VARIANTS = 500


@dataclass(frozen=True)
class Variant:
    """One repaired input: `overrides` are applied on the base input (a value of None means
    "missing"); `label` says in words what was changed ("proline divided by 1,000")."""

    label: str
    overrides: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VariantResult:
    """What the version answered for one variant: its `output`, or the `error` it raised.
    `ran` is False when the model could not run at all (artifact unusable, server down): then
    every variant carries the same error and none of them says anything about the input."""

    variant: Variant
    input: dict[str, Any]
    output: Any = None
    error: str | None = None
    ran: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None


def as_variant(item: Variant | Mapping[str, Any], position: int) -> Variant:
    if isinstance(item, Variant):
        return item
    if isinstance(item, Mapping):
        return Variant(label=f"variant {position + 1}", overrides=dict(item))
    raise TypeError(f"A variant is a Variant or a mapping of feature overrides, not {type(item).__name__}.")


def variant_input(base: Mapping[str, Any], variant: Variant) -> dict[str, Any]:
    return {**base, **variant.overrides}


def load_version(version: ModelVersion) -> LoadedModel:
    """The version's model, sha256-checked and cached per worker (the registry's backends)."""
    return backend_for(version.backend).load(version_id=version.pk, artifact_uri=version.artifact_uri,
                                             sha256=version.sha256, feature_names=version.feature_names,
                                             feature_types=version.feature_types)


def _non_finite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, list):
        return any(_non_finite(item) for item in value)
    if isinstance(value, dict):
        return any(_non_finite(item) for item in value.values())
    return False


def _redacted_in(row: Mapping[str, Any], used: Sequence[str]) -> list[str]:
    names = used or list(row)
    return sorted(name for name in names if is_redacted(row.get(name)))


def counterfactual_predict(*, version: ModelVersion, base: Mapping[str, Any],
                           variants: Sequence[Variant | Mapping[str, Any]]) -> list[VariantResult]:
    """Predicts every variant of `base` through `version` in one batched call and returns one
    result per variant, in order. Never raises for what the model does: an input the model
    refuses is that variant's error; a model that cannot load or answer (ArtifactError,
    BackendUnavailable…) gives every variant that error with `ran=False`. A variant that needs
    a redacted feature is not run (its real value was never stored)."""
    typed = [as_variant(item, position) for position, item in enumerate(variants)]
    if len(typed) > MAX_VARIANTS:
        raise ValueError(f"At most {MAX_VARIANTS} variants per call; replay the reports instead.")
    inputs = [variant_input(base, variant) for variant in typed]
    if not typed:
        return []
    try:
        loaded = load_version(version)
    except DomainError as exc:
        return [VariantResult(variant=v, input=i, error=exc.detail, ran=False) for v, i in zip(typed, inputs,
                                                                                             strict=True)]
    used = loaded.feature_names or version.feature_names
    blocked = {position: names for position, row in enumerate(inputs) if (names := _redacted_in(row, used))}
    runnable = [position for position in range(len(inputs)) if position not in blocked]
    outputs: dict[int, tuple[Any, str | None]] = {}
    if runnable:
        frame = pd.DataFrame.from_records([inputs[position] for position in runnable])
        if used:
            frame = frame.reindex(columns=used)
        try:
            outcome = loaded.predict_frame(frame)
        except DomainError as exc:
            return [VariantResult(variant=v, input=i, error=exc.detail, ran=False) for v, i in zip(typed, inputs,
                                                                                                 strict=True)]
        for index, position in enumerate(runnable):
            output, error = outcome.outputs[index], outcome.errors[index]
            if error is None and _non_finite(output):
                output, error = None, f"The model returned a non-finite number ({output!r})."
            outputs[position] = (output, error)
    results = []
    for position, (variant, row) in enumerate(zip(typed, inputs, strict=True)):
        if position in blocked:
            names = blocked[position]
            results.append(VariantResult(variant=variant, input=row, error=(
                f"Not run: {', '.join(names)} {'is' if len(names) == 1 else 'are'} redacted for this model, so the "
                "value the model saw was never stored.")))
            continue
        output, error = outputs[position]
        results.append(VariantResult(variant=variant, input=row, output=output, error=error))
    return results


def counterfactual_predict_versions(*, versions: Sequence[ModelVersion], base: Mapping[str, Any],
                                    variants: Sequence[Variant | Mapping[str, Any]]
                                    ) -> dict[int, list[VariantResult]]:
    """The same variants on several versions: one batched predict per version, keyed by the
    version's id (a version replay of the logged input is the variant without overrides)."""
    return {version.pk: counterfactual_predict(version=version, base=base, variants=variants) for version in versions}
