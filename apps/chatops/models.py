from django.db import models
from django.utils import timezone


class ChatOrigin(models.Model):
    """Where a report filed from a chat came from, to answer the person there when its incident
    moves: through the command's response_url while it lives (Slack: 30 minutes), then in the
    model's channel with a mention. The URL is kept only if it pointed at the platform's own
    hosts when the command came in; it is never shown on a page."""

    report = models.OneToOneField("reports.Report", on_delete=models.CASCADE, related_name="chat_origin")
    platform = models.CharField(max_length=16)
    user_id = models.CharField(max_length=100, blank=True)
    user_name = models.CharField(max_length=100, blank=True)
    response_url = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    # The time of the last status change told here: a retried task tells nothing twice.
    told_change_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"WTF-{self.report_id} from {self.platform} ({self.user_name or self.user_id})"
