from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ReportForensics(models.Model):
    """What takes longer than a request for one report, computed in a task after intake and
    cached here: attribution (which values drove the output), the nearest training rows and
    how common the report's odd values are in the inference log. The per-feature checks are
    not cached: they come from stored statistics in milliseconds."""

    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, primary_key=True,
                                  related_name="forensics")
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attribution = models.JSONField(default=dict, blank=True)
    neighbours = models.JSONField(default=dict, blank=True)
    prevalence = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True, help_text="What could not be computed, and why.")
    # What the model answers with each repair the input checks suggest (apps/forensics/repairs.py).
    repairs = models.JSONField(default=list, blank=True)
    error_message = models.TextField(blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "report forensics"

    def __str__(self) -> str:
        return f"Forensics of WTF-{self.report_id} ({self.status})"


class DriftReport(models.Model):
    """A window of the inference log against the version's reference, per feature."""

    model_version = models.ForeignKey("registry.ModelVersion", on_delete=models.CASCADE, related_name="drift_reports")
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    scheduled = models.BooleanField(default=False, help_text="Made by the daily task rather than by a person.")
    rows = models.PositiveIntegerField(default=0)
    reference_rows = models.PositiveIntegerField(default=0)
    features = models.JSONField(default=dict, blank=True)
    drifted_features = models.JSONField(default=list, blank=True)
    share_drifted = models.FloatField(default=0.0)
    dataset_drift = models.BooleanField(default=False)
    notes = models.JSONField(default=list, blank=True)
    error_message = models.TextField(blank=True)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="drift_reports")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["model_version", "window_start", "window_end"],
                                    condition=Q(scheduled=True), name="one_scheduled_drift_report_per_window"),
        ]

    def __str__(self) -> str:
        return f"Drift {self.pk} of {self.model_version_id} ({self.window_start:%Y-%m-%d %H:%M} – " \
               f"{self.window_end:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("forensics:drift-detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)
