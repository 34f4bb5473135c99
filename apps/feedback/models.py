from django.conf import settings
from django.db import models
from django.utils import timezone


class Verdict(models.TextChoices):
    UP = "up", "Thumbs up"
    DOWN = "down", "Thumbs down"


class Feedback(models.Model):
    """A thumbs up or down from a widget beside a model's result. A thumbs-up confirms the
    logged output as the label; a thumbs-down with a comment also files a WTF report."""

    model = models.ForeignKey("registry.Model", on_delete=models.CASCADE, related_name="feedback")
    model_version = models.ForeignKey("registry.ModelVersion", on_delete=models.CASCADE, related_name="feedback")
    logged_prediction = models.ForeignKey("predictions.Prediction", null=True, on_delete=models.SET_NULL,
                                   related_name="feedback")
    prediction_id = models.CharField(max_length=200)
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    # The right answer as the person sees it: the logged output for a thumbs-up, or what they
    # say it should have been.
    label = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    report = models.ForeignKey("reports.Report", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="feedback")
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    # Set when it came from a product page's widget (no person signed in to us).
    publishable_key = models.ForeignKey("PublishableKey", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="feedback")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["model_version", "verdict"])]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} on {self.prediction_id}"


class PublishableKey(models.Model):
    """A key a product page may show to anyone: it only sends feedback on one model, only from
    the web origins listed here (the browser's `Origin` header, checked on the preflight and on
    the request), and is rate-limited per key and per address. Like an API token, only a
    SHA-256 digest is stored; `prefix` tells keys apart. Revoking it stops the widget at once."""

    name = models.CharField(max_length=100)
    model = models.ForeignKey("registry.Model", on_delete=models.CASCADE, related_name="publishable_keys")
    allowed_origins = models.JSONField(default=list, help_text='e.g. ["https://shop.example.com"]')
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) for {self.model}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows_origin(self, origin: str | None) -> bool:
        return bool(origin) and origin.lower() in self.allowed_origins
