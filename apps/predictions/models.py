from django.db import models
from django.utils import timezone


class Prediction(models.Model):
    """One logged inference, written in bulk by a model service."""

    model = models.ForeignKey("registry.Model", on_delete=models.CASCADE, related_name="predictions")
    model_version = models.ForeignKey("registry.ModelVersion", on_delete=models.CASCADE, related_name="predictions")
    prediction_id = models.CharField(max_length=200)
    timestamp = models.DateTimeField(default=timezone.now)
    features = models.JSONField(default=dict)
    output = models.JSONField(null=True)
    context = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-timestamp", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "prediction_id"], name="unique_prediction_id_per_model")
        ]
        indexes = [models.Index(fields=["model_version", "timestamp"])]

    def __str__(self) -> str:
        return f"{self.prediction_id} ({self.model_version})"
