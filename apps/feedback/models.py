from django.conf import settings
from django.db import models
from django.utils import timezone


class Verdict(models.TextChoices):
    UP = "up", "Thumbs up"
    DOWN = "down", "Thumbs down"


class Feedback(models.Model):
    """A thumbs up or down from a widget beside a model's result. A thumbs-up confirms the
    logged output as the label; a thumbs-down with a comment also files a WTF report."""

    model = models.ForeignKey("registry.Model", on_delete=models.CASCADE, related_name="feedback")
    model_version = models.ForeignKey("registry.ModelVersion", on_delete=models.CASCADE, related_name="feedback")
    logged_prediction = models.ForeignKey("predictions.Prediction", null=True, on_delete=models.SET_NULL,
                                   related_name="feedback")
    prediction_id = models.CharField(max_length=200)
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    # The right answer as the person sees it: the logged output for a thumbs-up, or what they
    # say it should have been.
    label = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    report = models.ForeignKey("reports.Report", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="feedback")
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["model_version", "verdict"])]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} on {self.prediction_id}"
