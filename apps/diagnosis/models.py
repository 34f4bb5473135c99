"""A report's differential diagnosis: ranked hypotheses from a fixed vocabulary, each with the
checks the tracker ran itself. One row per report, recomputed in place."""

from django.db import models
from django.utils import timezone

from apps.core.state_machine import StateMachine


class DiagnosisStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


S = DiagnosisStatus
# A finished diagnosis can be asked for again (recompute, inputs linked later); a running one
# is only ever finished by the task that claimed it (or found stale and claimed again).
DIAGNOSIS_TRANSITIONS = StateMachine(
    "Diagnosis",
    {S.PENDING: {S.RUNNING}, S.RUNNING: {S.DONE, S.FAILED, S.PENDING}, S.DONE: {S.PENDING},
     S.FAILED: {S.PENDING}},
)


class Diagnosis(models.Model):
    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, primary_key=True,
                                  related_name="diagnosis")
    status = models.CharField(max_length=16, choices=DiagnosisStatus.choices, default=DiagnosisStatus.PENDING)
    summary = models.TextField(blank=True)
    # [{"kind", "confidence", "summary", "feature"?, "checks": [...], "counterfactual"?: {...}}], ranked.
    hypotheses = models.JSONField(default=list, blank=True)
    # Checks about the whole case that no single hypothesis owns (what could not run, and why).
    notes = models.JSONField(default=list, blank=True)
    error_message = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    # How long the checks took, for the benchmark and for people wondering.
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "diagnoses"

    def __str__(self) -> str:
        return f"Diagnosis of WTF-{self.report_id} ({self.status})"
