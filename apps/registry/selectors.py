from __future__ import annotations

from django.db.models import Count, QuerySet

from apps.core.errors import NotFound

from .models import Model, ModelVersion


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
