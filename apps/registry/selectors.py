from __future__ import annotations

from django.db.models import Count, QuerySet

from apps.core.errors import NotFound

from .models import Model, ModelVersion, Surface


def model_list() -> QuerySet[Model]:
    return Model.objects.annotate(version_count=Count("versions")).order_by("name")


def model_get(*, name: str) -> Model:
    model = Model.objects.filter(name=name).first()
    if model is None:
        raise NotFound(f"There is no model named '{name}'.", errors={"model": [f"Unknown model '{name}'."]})
    return model


def model_version_list(*, model: Model) -> QuerySet[ModelVersion]:
    return ModelVersion.objects.filter(model=model).select_related("model").order_by("-created_at")


def model_version_get(*, model: Model, version: str) -> ModelVersion:
    found = ModelVersion.objects.select_related("model").filter(model=model, version=version).first()
    if found is None:
        raise NotFound(
            f"Model '{model.name}' has no version '{version}'.",
            errors={"model_version": [f"Unknown version '{version}' of model '{model.name}'."]},
        )
    return found


def model_version_latest(*, model: Model) -> ModelVersion | None:
    return model_version_list(model=model).first()


def model_version_by_id(raw_id: str, *, model: Model | None = None) -> ModelVersion | None:
    """A version from a form's select value; None for anything that is not a known id (or, with
    `model`, not one of that model's versions)."""
    if not raw_id.isdigit() or len(raw_id) > 18:
        return None
    versions = ModelVersion.objects.select_related("model").filter(pk=int(raw_id))
    return (versions.filter(model=model) if model is not None else versions).first()


def surface_list(*, model: Model | None = None) -> QuerySet[Surface]:
    """The product surfaces teams keep for their models (all models', or one model's)."""
    queryset = Surface.objects.select_related("model", "current_version")
    if model is not None:
        queryset = queryset.filter(model=model)
    return queryset.order_by("model__display_name", "model__name", "name")


def surface_find(*, key: str, model: Model | None = None) -> Surface | None:
    """The surface a report's `context["surface"]` names: of `model`, or — with no model — the
    one surface of any model with that key (None when none or several models have it)."""
    key = (key or "").strip().casefold()
    if not key:
        return None
    found = list(surface_list(model=model).filter(key=key)[:2])
    return found[0] if len(found) == 1 else None


def model_version_for_surface(*, model: Model, surface_key: str | None) -> ModelVersion | None:
    """The version a report that carries no logged prediction is about: the surface's current
    version, else the model's newest. The reporter never chooses it."""
    surface = surface_find(key=surface_key or "", model=model)
    if surface is not None and surface.current_version_id is not None:
        return surface.current_version
    return model_version_latest(model=model)
