from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone


class Team(models.Model):
    """A team owns models; its members see and work on those models' reports, incidents,
    post-mortems and replays."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamRole(models.TextChoices):
    MEMBER = "member", "Member"
    # A reviewer is a member who may also approve post-mortems and accept action points.
    REVIEWER = "reviewer", "Reviewer"


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=TeamRole.choices, default=TeamRole.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="membership_unique_team_user")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.team}"


class BotAccount(models.Model):
    """Marks a user as a bot (a chat bot, a model service logging predictions). Bots cannot
    sign in with a password; they act only through their API tokens."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bot_account")
    description = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"bot {self.user}"


class TokenScope(models.TextChoices):
    REPORTS_CREATE = "reports:create", "File reports"
    PREDICTIONS_LOG = "predictions:log", "Log predictions"
    FEEDBACK_CREATE = "feedback:create", "Send feedback"
    CHANGES_RECORD = "changes:record", "Record change events (deploys, pipeline changes)"


# What a chat bot or a model service needs, and nothing that reads reports back.
INTAKE_SCOPES: tuple[str, ...] = tuple(TokenScope.values)

token_name_validator = RegexValidator(r"^[^\x00-\x1f\x7f]*$", "Use printable characters only.")


class ApiToken(models.Model):
    """A key for bots and scripts. Only a SHA-256 digest of the key is stored: keys are
    256-bit random strings, so a fast hash is enough (as GitHub and PyPI do), and a leaked
    database does not leak working keys. `prefix` lets people tell their keys apart.

    `scopes` empty means the token acts with all of its user's rights; otherwise it may only
    do what the listed scopes name."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, validators=[token_name_validator])
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) for {self.user}"

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > now

    @property
    def is_full_access(self) -> bool:
        return not self.scopes

    def allows(self, scope: str) -> bool:
        return self.is_full_access or scope in self.scopes

    @property
    def scopes_label(self) -> str:
        if self.is_full_access:
            return "full access"
        # Intake keys made before change events existed lack `changes:record` and are still intake keys.
        if set(self.scopes) in (set(INTAKE_SCOPES), set(INTAKE_SCOPES) - {TokenScope.CHANGES_RECORD}):
            return "intake only"
        return ", ".join(self.scopes)
