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


class Report(models.Model):
    """One person's observation of surprising model behaviour, with the facts needed to replay
    it. Reports are never edited away: they are the evidence."""

    model = models.ForeignKey("registry.Model", on_delete=models.PROTECT, related_name="reports")
    model_version = models.ForeignKey("registry.ModelVersion", on_delete=models.PROTECT, related_name="reports")
    logged_prediction = models.ForeignKey("predictions.Prediction", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="reports")
    prediction_id = models.CharField(max_length=200, blank=True)
    features = models.JSONField(default=dict)
    output = models.JSONField(null=True, blank=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    expected = models.TextField(blank=True)
    context = models.JSONField(default=dict, blank=True)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MEDIUM)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.API)
    schema_problems = models.JSONField(default=dict, blank=True,
                                       help_text="Unknown, missing or mistyped features the reporter confirmed.")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                 related_name="reports")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="reports")
    # What grouped it (apps/incidents/fingerprint.py).
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    # A person put this report where it is (a merge or a move): automatic grouping never moves it.
    grouping_locked = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"WTF-{self.pk}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])


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
