from __future__ import annotations

from django.db.models import QuerySet

from apps.core.errors import InvalidInput
from apps.registry.models import Model, ModelVersion

from .models import Prediction


def prediction_find(*, model: Model, prediction_id: str) -> Prediction:
    found = Prediction.objects.select_related("model_version", "model").filter(
        model=model, prediction_id=prediction_id
    ).first()
    if found is None:
        raise InvalidInput(
            f"No logged prediction '{prediction_id}' for model '{model.name}'. Check the id, or give "
            "model_version and features instead.",
            errors={"prediction_id": ["Not found in the inference log."]},
        )
    return found


def predictions_recent(*, model_version: ModelVersion | None = None, model: Model | None = None,
                       limit: int = 20) -> QuerySet[Prediction]:
    queryset = Prediction.objects.select_related("model_version", "model")
    if model_version is not None:
        queryset = queryset.filter(model_version=model_version)
    if model is not None:
        queryset = queryset.filter(model=model)
    return queryset.order_by("-timestamp", "-id")[:limit]
