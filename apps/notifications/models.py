from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone


class ModelWebhook(models.Model):
    """An incoming-webhook URL (Slack, Mattermost, Teams via a connector, or any endpoint taking
    `{"text": …}`) told when one of the model's incidents opens or is resolved, and reminded of
    the model's overdue and soon-due action items."""

    model = models.OneToOneField("registry.Model", on_delete=models.CASCADE, related_name="webhook")
    url = models.URLField(max_length=500, validators=[URLValidator(schemes=["https", "http"])])
    on_open = models.BooleanField(default=True)
    on_resolve = models.BooleanField(default=True)
    on_reminder = models.BooleanField(default=True, help_text="Daily reminders of overdue and soon-due action items.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"webhook for {self.model}"


class ReporterUpdate(models.Model):
    """The next e-mail to one reporter about one incident, and then the record that it went.

    Batching: at most one e-mail per person per incident per hour. The first change is due at
    once (or an hour after the last e-mail); changes that come before it goes are added to the
    same row, so one e-mail tells all of them. A row is claimed (compare-and-set on
    `claimed_at`) before sending and marked `sent_at` after, so a task that runs twice sends once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="+")
    # [{"event", "old", "new", "at", "fixed_in_version", "note"}], oldest first.
    changes = models.JSONField(default=list)
    due_at = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Not sent after all: the person switched e-mails off, lost their address, or left.
    skipped = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [models.UniqueConstraint(
            fields=["user", "incident"], condition=models.Q(sent_at__isnull=True, claimed_at__isnull=True),
            name="one_open_reporter_update_per_incident")]

    def __str__(self) -> str:
        return f"update to {self.user} about INC-{self.incident_id}"
