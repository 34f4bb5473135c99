from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.core.state_machine import StateMachine


class ReplayStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ReplayKind(models.TextChoices):
    REPRODUCE = "reproduce", "Reproduce with the logged version"
    VERIFY = "verify", "Run against another version"


R = ReplayStatus
REPLAY_TRANSITIONS = StateMachine(
    "Replay",
    # running → queued: the worker running it died (killed, out of memory, host lost); the
    # sweep hands it to another worker.
    {R.QUEUED: {R.RUNNING, R.FAILED}, R.RUNNING: {R.SUCCEEDED, R.FAILED, R.QUEUED}, R.SUCCEEDED: set(),
     R.FAILED: set()},
)


class Replay(models.Model):
    """Stored inputs run through a model version, by a Celery worker."""

    model_version = models.ForeignKey("registry.ModelVersion", on_delete=models.PROTECT, related_name="replays")
    kind = models.CharField(max_length=16, choices=ReplayKind.choices, default=ReplayKind.REPRODUCE)
    status = models.CharField(max_length=16, choices=ReplayStatus.choices, default=ReplayStatus.QUEUED,
                              db_index=True)
    reports = models.ManyToManyField("reports.Report", related_name="replays", blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    total = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    mismatched = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    warnings = models.JSONField(default=list, blank=True)
    library_versions = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When a worker was last told about it, and how many workers have started it: the sweep
    # re-sends replays a broker outage stranded and restarts those a dead worker left running.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Replay {self.pk} on {self.model_version}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ReplayStatus.SUCCEEDED, ReplayStatus.FAILED)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class ReplayResult(models.Model):
    replay = models.ForeignKey(Replay, on_delete=models.CASCADE, related_name="results")
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="replay_results")
    output = models.JSONField(null=True)
    matches_original = models.BooleanField(null=True)
    diff = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["replay", "report"]
        constraints = [models.UniqueConstraint(fields=["replay", "report"], name="one_result_per_report_per_replay")]

    def __str__(self) -> str:
        return f"{self.replay} / {self.report_id}"
