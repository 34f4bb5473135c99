import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from apps.incidents.models import Severity


class Channel(models.TextChoices):
    FORM = "form", "Bug-report form"
    API = "api", "REST API"
    SLACK = "slack", "Slack"
    MATTERMOST = "mattermost", "Mattermost"


class InputsSource(models.TextChoices):
    """Where a report's model inputs came from (contract: `"inputs"` in the report JSON)."""

    LOGGED = "logged", "From the inference log"
    GIVEN = "given", "Given by the reporter"
    MISSING = "missing", "Not known yet"


class Report(models.Model):
    """One person's observation of surprising model behaviour, with the facts needed to replay
    it. Reports are never edited away: they are the evidence."""

    # No model: the report waits in the Unsorted inbox until an admin or a triager names one.
    model = models.ForeignKey("registry.Model", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="reports")
    # The logged prediction's version, the one the reporter gave, else the surface's current
    # version (or the model's newest); none while the report is unsorted.
    model_version = models.ForeignKey("registry.ModelVersion", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="reports")
    logged_prediction = models.ForeignKey("predictions.Prediction", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="reports")
    prediction_id = models.CharField(max_length=200, blank=True)
    inputs = models.CharField(max_length=8, choices=InputsSource.choices, default=InputsSource.GIVEN)
    features = models.JSONField(default=dict)
    output = models.JSONField(null=True, blank=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    expected = models.TextField(blank=True)
    context = models.JSONField(default=dict, blank=True)
    # Roughly when the person saw it, as they said (the candidate search centres on it).
    seen_at = models.DateTimeField(null=True, blank=True)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MEDIUM)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.API)
    schema_problems = models.JSONField(default=dict, blank=True,
                                       help_text="Unknown, missing or mistyped features the reporter confirmed.")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="reports")
    # None only while the report is unsorted (no model yet): grouping needs a model.
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="reports")
    # What grouped it (apps/incidents/report_fingerprint.py).
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    # A person put this report where it is (a merge or a move): automatic grouping never moves it.
    grouping_locked = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)  # indexed below, with what its readers need

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The reports filed in a range, as a reader may see them (the insights' received and
            # stored: a year is ~50,000 rows): read from the index alone on PostgreSQL, the columns
            # the visibility rule reads carried along — it replaces the plain index on created_at,
            # so the intake writes no extra index. SQLite builds it without INCLUDE.
            models.Index(fields=["created_at"], include=["id", "model", "reporter", "incident"],
                         name="report_created_covering"),
            # Covers "which versions did an incident's reports come from" (the insights' incidents
            # by version): read from the index alone, without visiting 100,000 report rows.
            models.Index(fields=["incident", "model", "model_version"], name="report_incident_versions"),
        ]

    def __str__(self) -> str:
        return f"WTF-{self.pk}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])

    @property
    def is_unsorted(self) -> bool:
        return self.model_id is None

    @property
    def has_inputs(self) -> bool:
        return self.inputs != InputsSource.MISSING


IMAGE_CONTENT_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def attachment_storage_name(instance: "Attachment", filename: str) -> str:
    """Nothing the client sent reaches the storage path: no traversal, no odd bytes, no clashes."""
    return f"attachments/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file attached to a report (a screenshot, a CSV of inputs, a log). Its type was detected
    from its content when it was uploaded; `original_name` is for display only."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_storage_name, max_length=100)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.original_name} (WTF-{self.report_id})"

    def get_absolute_url(self) -> str:
        return reverse("reports:attachment", args=[self.report_id, self.pk])

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_CONTENT_TYPES
