from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """Append-only: one row per state change, written by the service that made it."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_label = models.CharField(max_length=150, blank=True, help_text="Kept when the user is deleted.")
    token_label = models.CharField(max_length=150, blank=True, help_text="The API token used, if any.")
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    target_label = models.CharField(max_length=200, blank=True)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=128, blank=True, help_text="The server's id of the request.")
    client_request_id = models.CharField(max_length=128, blank=True, default="",
                                         help_text="The X-Request-ID the caller sent, if any (not unique).")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "created_at"]),
            # The lookups by action over a time range (the insights count, and match to their
            # reports, the intake's `report.create` events of a year: ~50,000 of 120,000 rows):
            # read from the index alone on PostgreSQL, the target carried along; SQLite builds it
            # without INCLUDE.
            models.Index(fields=["action", "created_at"], include=["target_type", "target_id"],
                         name="audit_action_time"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or 'system'} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")
