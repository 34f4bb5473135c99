"""Reads for input forensics. `input_checks` ranks each feature of a report against the
version's stored reference statistics, most suspicious first (its signature and output shape
are relied on by incident grouping: extend, never rename)."""

from __future__ import annotations

from typing import Any

from apps.registry.models import ModelVersion

from .checks import rank_checks


def input_checks(*, model_version: ModelVersion, features: dict[str, Any]) -> list[dict[str, Any]]:
    """`[{"feature", "value", "flags", "percentile"?, "reference", "score", "message"?, "rank",
    "swapped_with"?}]`, most suspicious first. From stored statistics only: milliseconds."""
    return rank_checks(features=features if isinstance(features, dict) else {},
                       schema=model_version.feature_schema or {},
                       stats=(model_version.reference_stats or {}).get("features", {}))
