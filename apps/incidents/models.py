from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.core.state_machine import StateMachine


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    TRIAGED = "triaged", "Triaged"
    INVESTIGATING = "investigating", "Investigating"
    MITIGATED = "mitigated", "Mitigated"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"
    DECLINED = "declined", "Declined (expected behaviour)"
    DUPLICATE = "duplicate", "Duplicate"


S = IncidentStatus
ACTIVE_STATUSES = [S.OPEN, S.TRIAGED, S.INVESTIGATING, S.MITIGATED]
_ENDINGS = {S.DECLINED, S.DUPLICATE}
INCIDENT_TRANSITIONS = StateMachine(
    "Incident",
    {
        S.OPEN: {S.TRIAGED, S.INVESTIGATING, S.MITIGATED, S.RESOLVED, *_ENDINGS},
        S.TRIAGED: {S.INVESTIGATING, S.MITIGATED, S.RESOLVED, *_ENDINGS},
        S.INVESTIGATING: {S.MITIGATED, S.RESOLVED, *_ENDINGS},
        S.MITIGATED: {S.INVESTIGATING, S.RESOLVED},
        S.RESOLVED: {S.CLOSED, S.OPEN},
        S.CLOSED: {S.OPEN},
        S.DECLINED: {S.OPEN},
        S.DUPLICATE: {S.OPEN},
    },
)


class Incident(models.Model):
    """One underlying problem that one or many reports point at."""

    title = models.CharField(max_length=200)
    model = models.ForeignKey("registry.Model", on_delete=models.PROTECT, related_name="incidents")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    severity = models.CharField(max_length=16, choices=Severity.choices, default=Severity.MEDIUM)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="owned_incidents")
    # Shown to reporters when an incident is declined as expected behaviour.
    resolution_note = models.TextField(blank=True)
    # A restricted incident is visible only to the owning team, admins and the people named
    # here; its reporters still see their own reports.
    restricted = models.BooleanField(default=False)
    restricted_to = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"INC-{self.pk}: {self.title}"
