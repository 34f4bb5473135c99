from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction

from apps.accounts.access import require_review_on_model, require_work_on_model, user_access
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import Conflict, InvalidInput, PermissionDenied

from .backends import backend_for
from .backends.oip_backend import OipBackend
from .models import Backend, Model, ModelVersion, Surface, model_name_validator, surface_key_validator
from .reference import compute_reference_stats, infer_schema, reference_sample
from .schema import validate_schema_document


def _check_name(value: str, field: str) -> None:
    try:
        model_name_validator(value)
    except ValidationError as exc:
        raise InvalidInput(f"{field}: {exc.messages[0]}", errors={field: exc.messages}) from exc


def read_reference_csv(path: str | Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path)
    except FileNotFoundError as exc:
        raise InvalidInput(f"Reference file {path} does not exist.", errors={"reference": ["File not found."]}) from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"Reference file {path} is not a readable CSV: {exc}",
                           errors={"reference": ["Not a readable CSV."]}) from exc


@transaction.atomic
def model_version_register(
    *,
    model_name: str,
    version: str,
    artifact_uri: str,
    backend: str = Backend.SKLEARN,
    reference: pd.DataFrame | None = None,
    schema: dict[str, Any] | None = None,
    display_name: str = "",
    description: str = "",
    actor=None,
    check_server: bool = True,
) -> ModelVersion:
    """Registers a version. The artifact's digest is recorded so that only this exact file
    ever loads. Registering the same file again is a no-op; another file under an existing
    version number is refused, since reports already point at that version. A model served
    over the Open Inference Protocol is looked up on its server first (its metadata must list
    the schema's features where it lists inputs), unless `check_server` is False: an offline
    registration, for a server not up yet."""
    _check_name(model_name, "model")
    _check_name(version, "version")
    if backend not in Backend.values:
        raise InvalidInput(f"Unknown backend '{backend}'.", errors={"backend": [f"Choose one of {Backend.values}."]})
    if backend == Backend.SKLEARN:
        artifact_uri = str(Path(artifact_uri).resolve())
    description_of_artifact = backend_for(backend).describe(artifact_uri)

    if schema is not None:
        validate_schema_document(schema)
    elif reference is not None:
        schema = infer_schema(reference)
    else:
        schema = {"features": []}

    model, created = Model.objects.get_or_create(
        name=model_name, defaults={"display_name": display_name or model_name, "description": description}
    )
    if created:
        audit_record(actor=actor, action=AuditAction.MODEL_CREATE, target=model, new={"name": model_name})

    existing = ModelVersion.objects.filter(model=model, version=version).first()
    if existing is not None:
        if existing.sha256 == description_of_artifact["sha256"] and existing.artifact_uri == artifact_uri:
            return existing
        raise Conflict(
            f"{model_name}:{version} is already registered with another artifact; register a new version number.",
            errors={"version": ["Already registered with another artifact."]},
        )

    library_versions = dict(description_of_artifact.get("library_versions", {}))
    served = backend_for(backend)
    if check_server and isinstance(served, OipBackend):
        library_versions |= served.check(artifact_uri, feature_names=[f["name"] for f in schema["features"]])

    model_version = ModelVersion.objects.create(
        model=model,
        version=version,
        backend=backend,
        artifact_uri=artifact_uri,
        sha256=description_of_artifact["sha256"],
        feature_schema=schema,
        reference_stats=compute_reference_stats(reference, joint=True) if reference is not None else {},
        reference_sample=reference_sample(reference) if reference is not None else [],
        reference_rows=len(reference) if reference is not None else 0,
        library_versions=library_versions,
        registered_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action=AuditAction.MODEL_VERSION_REGISTER, target=model_version,
                 new={"version": version, "sha256": model_version.sha256, "backend": backend})
    return model_version


@transaction.atomic
def model_team_assign(*, model: Model, team, actor=None) -> Model:
    """Hands a model to a team (None: to nobody, open to everyone signed in)."""
    if actor is not None and not user_access(actor).is_admin:
        raise PermissionDenied("Only admins may change which team owns a model.")
    old = model.team
    if (old.pk if old else None) != (team.pk if team else None):
        model.team = team
        model.save(update_fields=["team"])
        audit_record(actor=actor, action=AuditAction.MODEL_ASSIGN_TEAM, target=model,
                     old={"team": old.slug if old else None}, new={"team": team.slug if team else None})
    return model


@transaction.atomic
def model_tolerance_set(*, model: Model, abs_tolerance: float | None = None, rel_tolerance: float | None = None,
                        actor=None) -> Model:
    """How close a replayed score must be to the logged one to count as the same output
    (labels always compare exactly). Team work: the owning team's members and admins."""
    require_work_on_model(actor=actor, model=model, action="change its replay tolerance")
    changes: dict[str, float] = {}
    for field, value in (("abs_tolerance", abs_tolerance), ("rel_tolerance", rel_tolerance)):
        if value is None:
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
            raise InvalidInput(f"{field} must be a finite number, 0 or more.", errors={field: ["0 or more."]})
        if float(value) != getattr(model, field):
            changes[field] = float(value)
    if changes:
        old = {field: getattr(model, field) for field in changes}
        for field, value in changes.items():
            setattr(model, field, value)
        model.save(update_fields=list(changes))
        audit_record(actor=actor, action=AuditAction.MODEL_TOLERANCE_SET, target=model, old=old, new=changes)
    return model


MAX_REDACTED_FEATURES = 1000
MAX_RETENTION_DAYS = 100 * 366


def _clean_feature_names(names: Any) -> list[str]:
    if not isinstance(names, (list, tuple)):
        raise InvalidInput("Give the redacted features as a list of feature names.",
                           errors={"redacted_features": ["Expected a list of names."]})
    cleaned: list[str] = []
    for name in names:
        if not isinstance(name, str) or not name.strip() or len(name.strip()) > 200:
            raise InvalidInput(f"{name!r:.60} is not a feature name (1 to 200 characters).",
                               errors={"redacted_features": ["Each name must be 1 to 200 characters."]})
        if name.strip() not in cleaned:
            cleaned.append(name.strip())
    if len(cleaned) > MAX_REDACTED_FEATURES:
        raise InvalidInput(f"At most {MAX_REDACTED_FEATURES} redacted features.",
                           errors={"redacted_features": ["Too many names."]})
    return cleaned


@transaction.atomic
def model_redaction_set(*, model: Model, features: list[str], actor=None) -> Model:
    """Sets the features whose values are never stored for this model (logged predictions and
    reports keep a marker instead). Applies to what arrives from now on: values stored before
    stay until the retention period removes them."""
    require_review_on_model(actor=actor, model=model, action="change which features are redacted")
    cleaned = _clean_feature_names(features)
    model = Model.objects.select_for_update().get(pk=model.pk)
    old = list(model.redacted_features or [])
    if cleaned != old:
        model.redacted_features = cleaned
        model.save(update_fields=["redacted_features"])
        audit_record(actor=actor, action=AuditAction.MODEL_SET_REDACTION, target=model,
                     old={"redacted_features": old}, new={"redacted_features": cleaned})
    return model


@transaction.atomic
def model_retention_set(*, model: Model, days: int | None, actor=None) -> Model:
    """Sets how many days this model's logged predictions are kept (None: the site default)."""
    require_review_on_model(actor=actor, model=model, action="change how long its predictions are kept")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)
                             or not 1 <= days <= MAX_RETENTION_DAYS):
        raise InvalidInput(f"Retention must be a whole number of days from 1 to {MAX_RETENTION_DAYS}, or empty "
                           "for the site default.", errors={"retention_days": ["Out of range."]})
    model = Model.objects.select_for_update().get(pk=model.pk)
    old = model.retention_days
    if days != old:
        model.retention_days = days
        model.save(update_fields=["retention_days"])
        audit_record(actor=actor, action=AuditAction.MODEL_SET_RETENTION, target=model,
                     old={"retention_days": old}, new={"retention_days": days})
    return model


# --- Product surfaces: where people see a model's answers (the report form's "Where?") ---------

def _surface_fields(*, model: Model, name: str, current_version_id: int | None) -> tuple[str, ModelVersion | None]:
    name = (name or "").strip()
    if not name or len(name) > 100:
        message = "Give the place the name people know it by, e.g. “Cellar page” (at most 100 characters)."
        raise InvalidInput(message, errors={"name": [message]})
    version = None
    if current_version_id is not None:
        version = ModelVersion.objects.filter(model=model, pk=current_version_id).first()
        if version is None:
            message = f"Choose one of the versions of {model.name}, or none (the newest)."
            raise InvalidInput(message, errors={"current_version": [message]})
    return name, version


@transaction.atomic
def surface_add(*, model: Model, key: str, name: str, current_version_id: int | None = None, actor=None) -> Surface:
    """Adds a place where people see the model's answers (its team)."""
    require_work_on_model(actor=actor, model=model, action="change where its answers are shown")
    name, version = _surface_fields(model=model, name=name, current_version_id=current_version_id)
    key = (key or "").strip().casefold()
    try:
        surface_key_validator(key)
    except ValidationError as exc:
        raise InvalidInput(f"'{key}' cannot be a surface key.", errors={"key": list(exc.messages)}) from exc
    if Surface.objects.filter(model=model, key=key).exists() or Surface.objects.filter(model=model,
                                                                                        name=name).exists():
        message = f"{model} already has a place named “{name}” or logged as '{key}'."
        raise Conflict(message, errors={"key": [message]})
    surface = Surface.objects.create(model=model, key=key, name=name, current_version=version)
    audit_record(actor=actor, action=AuditAction.SURFACE_ADD, target=surface,
                 new={"model": model.name, "key": key, "name": name, "current_version": version and version.version})
    return surface


@transaction.atomic
def surface_update(*, surface: Surface, name: str, current_version_id: int | None, actor=None) -> Surface:
    require_work_on_model(actor=actor, model=surface.model, action="change where its answers are shown")
    name, version = _surface_fields(model=surface.model, name=name, current_version_id=current_version_id)
    if Surface.objects.filter(model=surface.model, name=name).exclude(pk=surface.pk).exists():
        message = f"{surface.model} already has a place named “{name}”."
        raise Conflict(message, errors={"name": [message]})
    old = {"name": surface.name, "current_version": surface.current_version and surface.current_version.version}
    surface.name, surface.current_version = name, version
    surface.save(update_fields=["name", "current_version"])
    audit_record(actor=actor, action=AuditAction.SURFACE_UPDATE, target=surface, old=old,
                 new={"name": name, "current_version": version and version.version})
    return surface


@transaction.atomic
def surface_remove(*, surface: Surface, actor=None) -> None:
    """Reports keep the key they were filed with; the form stops offering the place."""
    require_work_on_model(actor=actor, model=surface.model, action="change where its answers are shown")
    audit_record(actor=actor, action=AuditAction.SURFACE_REMOVE, target=surface,
                 old={"name": surface.name, "key": surface.key})
    surface.delete()
