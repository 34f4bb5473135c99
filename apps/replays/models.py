from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.core.humanize import value as human_value
from apps.core.state_machine import StateMachine


class ReplayStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class ReplayKind(models.TextChoices):
    REPRODUCE = "reproduce", "Reproduce with the logged version"
    VERIFY = "verify", "Run against another version"


REPLAY_TRANSITIONS = StateMachine(
    "Replay",
    # running → queued: the worker running it died (killed, out of memory, host lost); the
    # sweep hands it to another worker.
    {
        ReplayStatus.QUEUED: {ReplayStatus.RUNNING, ReplayStatus.FAILED},
        ReplayStatus.RUNNING: {ReplayStatus.SUCCEEDED, ReplayStatus.FAILED, ReplayStatus.QUEUED},
        ReplayStatus.SUCCEEDED: set(),
        ReplayStatus.FAILED: set(),
    },
)


class SuiteVerdict(models.TextChoices):
    PASS = "pass", "Pass"
    REGRESSED = "regressed", "Regressed (passed on an earlier version)"
    STILL_FAILING = "still_failing", "Still failing"


class Predicate(models.TextChoices):
    EQUALS = "equals", "equals"
    NOT_EQUALS = "not_equals", "does not equal"
    IN_SET = "in_set", "is one of"
    SCORE_BELOW = "score_below", "score below"
    SCORE_ABOVE = "score_above", "score above"


class Replay(models.Model):
    """Stored inputs run through a model version by Celery workers, one chunk per task."""

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
    # A regression-suite run: each result is also classified against the report's expected
    # outcome (pass / regressed / still failing).
    suite = models.BooleanField(default=False)
    # Progress: the chunks' counts are added here when each chunk commits.
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    # The same input gave different outputs on the same version (within this run or against
    # an earlier run): the model is not deterministic, which is a finding of its own.
    nondeterministic = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    regressed = models.PositiveIntegerField(default=0)
    still_failing = models.PositiveIntegerField(default=0)

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

    @property
    def progress(self) -> float:
        """Share of the inputs done, 0 to 1."""
        if self.is_finished:
            return 1.0
        return round(self.processed / self.total, 4) if self.total else 0.0

    @property
    def progress_percent(self) -> int:
        return int(self.progress * 100)


class ReplayChunk(models.Model):
    """A slice of a replay's reports (by id range), run by one Celery task. Claimed with a
    compare-and-set on status and attempt, written in one transaction with its results and
    its share of the replay's counts, so a redelivered or restarted chunk counts nothing twice."""

    replay = models.ForeignKey(Replay, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    first_report_id = models.BigIntegerField()
    last_report_id = models.BigIntegerField()
    size = models.PositiveIntegerField()
    # The chunk's report ids, so that it reads its inputs without waiting for the replay's links
    # to its reports (written just after the workers are told). Empty for chunks made before.
    report_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=ReplayStatus.choices, default=ReplayStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True)

    class Meta:
        ordering = ["replay", "index"]
        constraints = [models.UniqueConstraint(fields=["replay", "index"], name="one_chunk_per_index")]
        indexes = [models.Index(fields=["status", "started_at"], name="replay_chunk_status_started")]

    def __str__(self) -> str:
        return f"{self.replay} chunk {self.index}"


class ReplayResult(models.Model):
    replay = models.ForeignKey(Replay, on_delete=models.CASCADE, related_name="results")
    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="replay_results")
    output = models.JSONField(null=True)
    matches_original = models.BooleanField(null=True)
    diff = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    nondeterministic = models.BooleanField(default=False)
    # Whether the output satisfies the report's expected outcome (None: none recorded).
    expectation_met = models.BooleanField(null=True)
    verdict = models.CharField(max_length=16, choices=SuiteVerdict.choices, blank=True)

    class Meta:
        ordering = ["replay", "report"]
        constraints = [models.UniqueConstraint(fields=["replay", "report"], name="one_result_per_report_per_replay")]

    def __str__(self) -> str:
        return f"{self.replay} / {self.report_id}"


class ExpectedOutcome(models.Model):
    """What the team agreed the model should answer for a report's input, as a predicate on
    the output ("should not be a women's item" → not equals "womens-bag"). Resolved reports
    with one form the regression suite that gates a model's releases."""

    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="expected_outcome")
    predicate = models.CharField(max_length=16, choices=Predicate.choices)
    value = models.JSONField(help_text="A label, a list of labels (in set) or a number (score below/above).")
    field = models.CharField(max_length=100, blank=True,
                             help_text="Key of a dict output to test (e.g. 'score'); empty: the whole output.")
    note = models.TextField(blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        # Read by people on the report and model pages: "score is above 0.8", "output is one of
        # versicolor or virginica" — no Python reprs.
        target = f"{self.field}" if self.field else "output"
        if isinstance(self.value, list):
            shown = " or ".join(human_value(item) for item in self.value)
        else:
            shown = human_value(self.value)
        return f"{target} {self.get_predicate_display()} {shown}"
