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
