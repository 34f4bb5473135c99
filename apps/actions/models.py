import secrets
import uuid

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone

from apps.core.state_machine import StateMachine


class ActionKind(models.TextChoices):
    DETECTIVE = "detective", "Detective (notice it sooner)"
    PREVENTIVE = "preventive", "Preventive (stop it happening)"
    CORRECTIVE = "corrective", "Corrective (fix what is wrong)"
    PROCESS = "process", "Process (change how we work)"


class ActionScope(models.TextChoices):
    CATEGORY = "category", "Fixes the class of bug"
    INSTANCE = "instance", "Fixes this instance"


class ReviewState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted (a ticket)"
    REJECTED = "rejected", "Rejected"


class Priority(models.TextChoices):
    P1 = "P1", "P1 — urgent"
    P2 = "P2", "P2 — soon"
    P3 = "P3", "P3 — when possible"


class TicketStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


TICKET_TRANSITIONS = StateMachine(
    "Action item",
    {
        TicketStatus.OPEN: {TicketStatus.IN_PROGRESS, TicketStatus.DONE, TicketStatus.WONT_DO},
        TicketStatus.IN_PROGRESS: {TicketStatus.OPEN, TicketStatus.DONE, TicketStatus.WONT_DO},
        # Reopening is explicit: the fix did not hold, or won't-do was reconsidered.
        TicketStatus.DONE: {TicketStatus.OPEN},
        TicketStatus.WONT_DO: {TicketStatus.OPEN},
    },
)
FINISHED_STATUSES = {TicketStatus.DONE, TicketStatus.WONT_DO}
UNFINISHED_STATUSES = [TicketStatus.OPEN, TicketStatus.IN_PROGRESS]


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class ActionItem(models.Model):
    """An action point of an incident, proposed in its post-mortem. A reviewer who did not
    propose it accepts it (from then on it is a ticket with an owner, a due date and a status)
    or rejects it with a reason that stays on record.

    It belongs to the incident, not to the post-mortem row: an incident has one post-mortem, so
    the incident says which post-mortem proposed it, and action items sit in the layer below
    post-mortems (which propose and list them through this app's services and selectors)."""

    incident = models.ForeignKey("incidents.Incident", on_delete=models.CASCADE, related_name="action_items")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    scope = models.CharField(max_length=16, choices=ActionScope.choices, default=ActionScope.CATEGORY)

    review_state = models.CharField(max_length=16, choices=ReviewState.choices, default=ReviewState.PROPOSED)
    review_reason = models.TextField(blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="action_items")
    priority = models.CharField(max_length=2, choices=Priority.choices, default=Priority.P2)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=TicketStatus.choices, default=TicketStatus.OPEN)
    wont_do_reason = models.TextField(blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    # For a corrective item: the version that carries the fix (what the regression suite replays).
    fixed_in_version = models.ForeignKey("registry.ModelVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The latest move to done or won't do, kept by `action_item_transition` (and filled from the
    # audit trail for older tickets by migration 0006), so that insights need not look it up per
    # ticket; it stays after a reopen (the status says whether it is finished now). Null for a
    # ticket finished without a move (loaded by hand): readers fall back to `updated_at`.
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["review_state", "status", "due_date"])]

    def __str__(self) -> str:
        return f"AI-{self.pk}: {self.title}"

    @property
    def is_ticket(self) -> bool:
        return self.review_state == ReviewState.ACCEPTED

    @property
    def is_overdue(self) -> bool:
        return (self.is_ticket and self.status not in FINISHED_STATUSES and self.due_date is not None
                and self.due_date < timezone.localdate())

    @property
    def overdue_days(self) -> int:
        return (timezone.localdate() - self.due_date).days if self.is_overdue else 0

    @property
    def days_late(self) -> int | None:
        """Finished work with a due date: how many days past it the ticket was done (0: on time);
        None for unfinished work or without a due date."""
        if self.status not in FINISHED_STATUSES or self.due_date is None:
            return None
        finished = timezone.localdate(self.finished_at or self.updated_at)
        return max(0, (finished - self.due_date).days)

    @property
    def days_until_due(self) -> int | None:
        """Days from today to the due date (negative once it is past), None without one."""
        return (self.due_date - timezone.localdate()).days if self.due_date else None


MAX_COMMENT = 10_000
# A review's or a won't-do's reason: a sentence or two, kept on record.
MAX_REASON = 2_000


class ActionItemComment(models.Model):
    """The ticket's work log: what was tried, what is blocking, where the fix is. (Remarks made
    while the post-mortem is reviewed are the post-mortem's ReviewComments.)"""

    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"comment {self.pk} on AI-{self.item_id}"


class ReminderKind(models.TextChoices):
    OVERDUE = "overdue", "Overdue"
    DUE_SOON = "due_soon", "Due soon"


class ActionItemReminder(models.Model):
    """One reminder about one ticket on one day. The unique (item, day) row is the claim: a run
    of the reminder task inserts it before sending, so a second run the same day (beat firing
    twice, a retried task) finds it taken and sends nothing."""

    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="reminders")
    day = models.DateField()
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    # Which run inserted the row: the rows a run may send are the ones it claimed.
    run = models.UUIDField(db_index=True)
    owner_email = models.CharField(max_length=254, blank=True)
    emailed = models.BooleanField(default=False)
    chat_sent = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "item_id"]
        constraints = [models.UniqueConstraint(fields=["item", "day"], name="one_reminder_per_item_per_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reminder for AI-{self.item_id} on {self.day}"


# --- Outgoing signed webhook for ticket events -------------------------------------------------

class TicketWebhookEndpoint(models.Model):
    """Somewhere ticket events are POSTed (a tracker's integration, an automation). Each body is
    signed with the endpoint's own secret: `X-MLIncidents-Signature: sha256=<hex HMAC-SHA256>`."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, validators=[URLValidator(schemes=["https", "http"])])
    secret = models.CharField(max_length=200, default=new_webhook_secret,
                              help_text="Shared with the receiver, which checks the signature with it.")
    # A team's endpoint hears about the tickets of the team's models, restricted incidents
    # included; one without a team hears about every ticket of an incident that is not restricted.
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One event for one endpoint: written in the transaction of the change it reports (a
    rolled-back change leaves no delivery), then sent by a task with retries. The body is kept
    byte for byte, so every attempt carries the same body and signature, and the receiver can
    drop duplicates by `id`."""

    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(TicketWebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    item = models.ForeignKey(ActionItem, null=True, on_delete=models.SET_NULL, related_name="deliveries")
    event = models.CharField(max_length=64)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING,
                              db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.status})"


class WebhookDeliveryAttempt(models.Model):
    """What happened on one try: the answer's status code, or the error when there was none."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery_id", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number} of delivery {self.delivery_id}: {self.status_code or self.error[:60]}"


# --- Export to an external tracker ---------------------------------------------------------------

class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class TrackerExport(models.Model):
    """A request to create the ticket's issue in an external tracker (GitHub). Kept as a row so
    a broker outage or a tracker that is down loses nothing: the sweep sends a queued export
    again, and a failure stays on the ticket for people to read and retry."""

    item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="exports")
    tracker = models.CharField(max_length=16, default="github")
    status = models.CharField(max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED,
                              db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.tracker} export of AI-{self.item_id} ({self.status})"
