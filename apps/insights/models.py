from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.utils import timezone

from apps.incidents.models import Severity

DEFAULT_POSTMORTEM_DUE_WORKING_DAYS = 5
DEFAULT_REVIEW_WAIT_DAYS = 3


class TeamPolicy(models.Model):
    """A team's follow-up rules. A team without a row follows the defaults: a post-mortem is due
    5 working days after an incident of high severity or above is resolved, a post-mortem waits
    for review at most 3 days, and the weekly digest goes out."""

    team = models.OneToOneField("accounts.Team", on_delete=models.CASCADE, related_name="policy")
    postmortem_due_working_days = models.PositiveSmallIntegerField(
        default=DEFAULT_POSTMORTEM_DUE_WORKING_DAYS, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="Working days (Monday to Friday) from resolving an incident to its approved post-mortem.")
    postmortem_min_severity = models.CharField(
        max_length=16, choices=Severity.choices, default=Severity.HIGH,
        help_text="Incidents of this severity or above need a post-mortem.")
    review_wait_days = models.PositiveSmallIntegerField(
        default=DEFAULT_REVIEW_WAIT_DAYS, validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="A post-mortem in review longer than this is called out as waiting.")
    digest_enabled = models.BooleanField(default=True, help_text="Send the weekly digest on Monday morning.")
    digest_chat_url = models.URLField(
        max_length=500, blank=True, validators=[URLValidator(schemes=["https", "http"])],
        help_text="An incoming webhook for the digest; empty: the webhooks of the team's models.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "team policies"

    def __str__(self) -> str:
        return f"policy of {self.team}"


class DigestSent(models.Model):
    """One team's digest for one week (the Monday it starts). Claimed before anything is sent,
    under a unique constraint: a second run (two beats, a retry, a restart) finds the claim and
    sends nothing."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday of the week the digest covers.")
    claimed_at = models.DateTimeField(default=timezone.now)
    emails = models.PositiveIntegerField(default=0)
    chat_posts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-week", "team_id"]
        constraints = [models.UniqueConstraint(fields=["team", "week"], name="one_digest_per_team_and_week")]

    def __str__(self) -> str:
        return f"digest of {self.team} for the week of {self.week:%Y-%m-%d}"
