"""Where a new report's model inputs come from: the inference log, the reporter, or nowhere yet.

`report_inputs_resolve` turns what a reporter sent — any mix of a model, a prediction id, a
lookup by context, a version and features — into one `ResolvedInputs`, or a 4xx that says
what to fix. Nothing here writes: `report_create` files what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apps.accounts.access import require_bot_on_own_model, require_work_on_model, user_access
from apps.core.errors import InvalidInput
from apps.predictions.models import Prediction
from apps.predictions.selectors import (
    PredictionLookup,
    prediction_find,
    prediction_find_by_lookup,
    prediction_models_for_id,
)
from apps.predictions.validation import features_problem, output_problem
from apps.registry.models import Model, ModelVersion
from apps.registry.redaction import redact
from apps.registry.schema import feature_problems
from apps.registry.selectors import model_get, model_version_for_surface, model_version_get, surface_find

from ..models import Channel, InputsSource

NOT_GIVEN: Any = object()
# Said instead of the per-feature messages, which would quote logged values, to a reporter outside the team.
LOGGED_SCHEMA_MISMATCH = "The logged inputs do not match the version's schema."


@dataclass(frozen=True)
class ResolvedInputs:
    """What a report is about and what the model saw, as far as anyone knows at filing time."""

    model: Model | None  # None: the report waits in the Unsorted inbox
    version: ModelVersion | None
    source: str  # InputsSource
    prediction: Prediction | None = None
    prediction_id: str = ""
    features: Any = field(default_factory=dict)
    output: Any = None
    schema_problems: dict = field(default_factory=dict)


def _model_of(*, model_name: str | None, prediction_id: str | None, context: dict) -> Model | None:
    """The named model; else the one model whose log holds the prediction id; else the one model
    whose team lists the context's surface; else none (Unsorted)."""
    if model_name:
        return model_get(name=model_name)
    if prediction_id:
        models = prediction_models_for_id(prediction_id=prediction_id)
        if not models:
            raise InvalidInput(
                f"No model has logged a prediction '{prediction_id}'. Check the id, or leave it out: the team "
                "can link the logged prediction later.",
                errors={"prediction_id": ["Not found in the inference log."]},
            )
        if len(models) > 1:
            names = ", ".join(model.name for model in models)
            raise InvalidInput(f"Prediction '{prediction_id}' is logged by several models ({names}): say which one.",
                               errors={"model": [f"One of {names}."]})
        return models[0]
    surface = surface_find(key=str(context.get("surface") or ""))
    return surface.model if surface is not None else None


def report_inputs_resolve(
    *,
    reporter,
    model_name: str | None,
    model_version: str | None,
    prediction_id: str | None,
    lookup: dict | None,
    features: Any,
    output: Any,
    context: dict,
    channel: str,
    allow_schema_mismatch: bool,
) -> ResolvedInputs:
    """Resolves a new report's model and inputs (the rules are in the README, "Reporting"):

    - `prediction_id` (or a `lookup` by context that matches exactly one logged prediction):
      the inputs, output and version come from the log — `logged`; typed `features` override
      the logged ones — `given`;
    - `features` with no id: `given`, checked against `model_version` or, when none is named,
      the surface's current version (else the model's newest);
    - neither: `missing` — the report goes to the model's team, which links the logged
      prediction later; with no model either, to the Unsorted inbox.

    Features that do not fit the version's schema are refused with a message per feature
    unless the reporter confirms them: a malformed input is itself evidence."""
    prediction_id = str(prediction_id) if prediction_id else None
    model = _model_of(model_name=model_name, prediction_id=prediction_id, context=context)
    if model is None:
        given = {name: value for name, value in (("model_version", model_version), ("lookup", lookup)) if value}
        if features is not NOT_GIVEN:
            given["features"] = features
        if given:
            raise InvalidInput(
                f"{' and '.join(sorted(given))} only mean something for one model: name it (model), or leave them "
                "out and the report waits for a triager to sort it.",
                errors={"model": ["Name the model these inputs were given to."]},
            )
        return ResolvedInputs(model=None, version=None, source=InputsSource.MISSING,
                              output=_checked_output(output))

    if channel == Channel.API:
        # A bot's key is its team's; chat bots (their own channels) file for the people in a channel.
        require_bot_on_own_model(actor=reporter, model=model, action="file reports")
    prediction = None
    if lookup is not None and not prediction_id:
        # Candidate lists and "nothing matches" tell what the log holds: the team's data. Checked
        # before the log is read, so the refusal says nothing about it.
        require_work_on_model(actor=reporter, model=model,
                              action="look its predictions up by context; anyone may file with the exact prediction_id")
        prediction = prediction_find_by_lookup(model=model, lookup=PredictionLookup.parse(lookup))
        prediction_id = prediction.prediction_id

    if prediction_id:
        prediction = prediction or prediction_find(model=model, prediction_id=prediction_id)
        version = prediction.model_version
        if model_version and str(model_version) != version.version:
            raise InvalidInput(
                f"Prediction '{prediction_id}' was made by version {version.version}, not {model_version}.",
                errors={"model_version": [f"The log says {version.version}."]},
            )
        source = InputsSource.LOGGED if features is NOT_GIVEN else InputsSource.GIVEN
        if features is NOT_GIVEN:
            features = prediction.features
        if output is NOT_GIVEN:
            output = prediction.output
    else:
        version = (model_version_get(model=model, version=str(model_version)) if model_version
                   else model_version_for_surface(model=model, surface_key=context.get("surface")))
        if features is NOT_GIVEN:
            return ResolvedInputs(model=model, version=version, source=InputsSource.MISSING,
                                  output=_checked_output(output))
        if version is None:
            message = f"'{model.name}' has no registered version to check these inputs against."
            raise InvalidInput(message, errors={"model_version": [message]})
        source = InputsSource.GIVEN

    if isinstance(features, dict):
        # Before any check or message can echo them: a redacted feature's value is never stored,
        # whether the reporter typed it or it comes from a prediction logged before redaction.
        features = redact(features, model.redacted_features)
    if message := features_problem(features):
        raise InvalidInput(f"features: {message}", errors={"features": [message]})
    output = _checked_output(output)
    schema_problems = feature_problems(version.feature_schema, features)
    if schema_problems and not allow_schema_mismatch:
        if (source == InputsSource.LOGGED and reporter is not None
                and not user_access(reporter).can_work_on_team(model.team_id)):
            # The messages would quote logged values to someone outside the team.
            raise InvalidInput(
                f"The logged inputs of prediction '{prediction_id}' do not match what version {version.version} "
                "takes; the team that owns the model sees which. File the report anyway by confirming "
                "(allow_schema_mismatch: true) — an odd input can be the bug itself.",
                errors={"features": [LOGGED_SCHEMA_MISMATCH]},
            )
        raise InvalidInput(
            "The features do not match what this model version takes. Fix them, or file the report "
            "as it is by confirming (allow_schema_mismatch: true) — an odd input can be the bug itself.",
            errors=schema_problems,
        )
    return ResolvedInputs(model=model, version=version, source=source, prediction=prediction,
                          prediction_id=prediction_id or "", features=features, output=output,
                          schema_problems=schema_problems)


def _checked_output(output: Any) -> Any:
    if output is NOT_GIVEN:
        return None
    if message := output_problem(output):
        raise InvalidInput(f"output: {message}", errors={"output": [message]})
    return output
