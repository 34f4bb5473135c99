from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

model_name_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
    "Use letters, digits, '.', '_' or '-' (at most 100 characters), starting with a letter or digit.",
)


class Backend(models.TextChoices):
    SKLEARN = "sklearn", "scikit-learn (joblib file)"
    MLFLOW = "mlflow", "MLflow pyfunc"
    OIP = "oip", "Open Inference Protocol (HTTP)"


class Model(models.Model):
    name = models.CharField(max_length=100, unique=True, validators=[model_name_validator])
    display_name = models.CharField(max_length=200, blank=True,
                                    help_text="The product name people know it by, shown on the report form.")
    description = models.TextField(blank=True)
    # The owning team's members work on this model's reports and incidents; a model no team
    # owns is open to everyone signed in.
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="models")
    # How close a replayed score must be to the logged one to count as the same output.
    abs_tolerance = models.FloatField(default=1e-6, validators=[MinValueValidator(0.0)],
                                      help_text="A replayed score this close to the logged one matches.")
    rel_tolerance = models.FloatField(default=1e-6, validators=[MinValueValidator(0.0)],
                                      help_text="… or this fraction of the logged score.")
    # Sensitive inputs (names, e-mails, exact locations): the inference log and reports store a
    # marker instead of their values. Changed only through `model_set_log_policy`, which audits.
    redacted_features = models.JSONField(
        default=list, blank=True,
        help_text="Feature names whose values are never stored: logged predictions and reports keep a "
                  "marker instead. Applies to what is logged or reported from now on.")
    # None: the site-wide PREDICTION_RETENTION_DAYS.
    retention_days = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="Days logged predictions are kept (empty: the site default, PREDICTION_RETENTION_DAYS). "
                  "Predictions a report points at are kept regardless.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name or self.name


class ModelVersion(models.Model):
    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=64, validators=[model_name_validator])
    backend = models.CharField(max_length=16, choices=Backend.choices, default=Backend.SKLEARN)
    artifact_uri = models.CharField(max_length=500, help_text="File path, models:/ URI or inference URL.")
    sha256 = models.CharField(max_length=64, blank=True)
    feature_schema = models.JSONField(default=dict, blank=True)
    reference_stats = models.JSONField(default=dict, blank=True)
    reference_sample = models.JSONField(default=list, blank=True)
    reference_rows = models.PositiveIntegerField(default=0)
    library_versions = models.JSONField(default=dict, blank=True)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["model__name", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["model", "version"], name="unique_version_per_model")]

    def __str__(self) -> str:
        return f"{self.model.name}:{self.version}"

    @property
    def feature_names(self) -> list[str]:
        return [feature["name"] for feature in self.feature_schema.get("features", [])]

    @property
    def feature_types(self) -> dict[str, str]:
        return {feature["name"]: feature.get("type", "") for feature in self.feature_schema.get("features", [])}


class ChangeKind(models.TextChoices):
    """What a pipeline may record (the `POST /api/v1/changes/` vocabulary, a contract). A
    version registration is a change too, but it is not stored here: it is read from
    `ModelVersion` (one source of truth)."""

    DEPLOY = "deploy", "Deploy"
    ROLLOUT = "rollout", "Rollout"
    FEATURE_PIPELINE = "feature_pipeline", "Feature pipeline change"
    DATA_BACKFILL = "data_backfill", "Data backfill"
    FEATURE_FLAG = "feature_flag", "Feature flag"
    CONFIG = "config", "Configuration change"
    OTHER = "other", "Other change"


class ChangeEvent(models.Model):
    """Something that changed around a model — a deploy, a feature-pipeline change, a backfill,
    a flag — and when: shown on the model page and incident timelines, and offered as a suspect
    when an incident starts right after one. Without a model it is about the whole platform."""

    model = models.ForeignKey(Model, null=True, blank=True, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=32, choices=ChangeKind.choices)
    description = models.TextField(max_length=2000)
    # When the change happened (the pipeline may report it after the fact).
    at = models.DateTimeField(default=timezone.now, db_index=True)
    link = models.URLField(max_length=2000, blank=True)
    # The person or bot that recorded it, and the name of the API key it used, if any.
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_via = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "at"], name="change_model_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}: {self.description[:60]}"
