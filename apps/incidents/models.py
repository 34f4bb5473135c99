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


ACTIVE_STATUSES = [IncidentStatus.OPEN, IncidentStatus.TRIAGED, IncidentStatus.INVESTIGATING, IncidentStatus.MITIGATED]
_ENDINGS = {IncidentStatus.DECLINED, IncidentStatus.DUPLICATE}
INCIDENT_TRANSITIONS = StateMachine(
    "Incident",
    {
        IncidentStatus.OPEN: {IncidentStatus.TRIAGED, IncidentStatus.INVESTIGATING, IncidentStatus.MITIGATED,
                              IncidentStatus.RESOLVED, *_ENDINGS},
        IncidentStatus.TRIAGED: {IncidentStatus.INVESTIGATING, IncidentStatus.MITIGATED, IncidentStatus.RESOLVED,
                                 *_ENDINGS},
        IncidentStatus.INVESTIGATING: {IncidentStatus.MITIGATED, IncidentStatus.RESOLVED, *_ENDINGS},
        IncidentStatus.MITIGATED: {IncidentStatus.INVESTIGATING, IncidentStatus.RESOLVED},
        IncidentStatus.RESOLVED: {IncidentStatus.CLOSED, IncidentStatus.OPEN},
        IncidentStatus.CLOSED: {IncidentStatus.OPEN},
        IncidentStatus.DECLINED: {IncidentStatus.OPEN},
        IncidentStatus.DUPLICATE: {IncidentStatus.OPEN},
    },
)


class Incident(models.Model):
    """One underlying problem that one or many reports point at."""

    # The first report's words, read by the team. Readers outside it may not see that report,
    # so they read `public_title` when the team set one, else a neutral "Incident #12 on wine".
    title = models.CharField(max_length=200)
    public_title = models.CharField(max_length=200, blank=True)
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
    # The fingerprint of the report that opened it (apps/incidents/report_fingerprint.py), and the same
    # parts for people to read: why reports were grouped here.
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    fingerprint_label = models.CharField(max_length=500, blank=True)
    # Set when a person merged this incident into another: reports that would have come here
    # go there instead, so the decision sticks.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="merged_from")
    # The version the fix shipped in: a later report from an older version is the known, fixed
    # bug; one from this version or a later one is a regression and reopens the incident.
    fixed_in_version = models.ForeignKey("registry.ModelVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)
    # Kept by `incident_transition` (and the regression reopen), so that lists and insights read
    # a column instead of searching the audit trail per incident. `resolved_at` is the latest move
    # to resolved and stays after a close or a reopen (pair it with the status: an incident
    # reopened since is not resolved now); null if it never was resolved. `reopened_count` counts
    # the times it came back after a resolution or a close, by hand or by a regression report, of
    # which `regression_count` by a regression report.
    resolved_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reopened_count = models.PositiveIntegerField(default=0)
    regression_count = models.PositiveIntegerField(default=0)
    tags = models.ManyToManyField("Tag", through="IncidentTag", blank=True, related_name="incidents")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"INC-{self.pk}: {self.title}"


class FingerprintRoute(models.Model):
    """Where the next report with this fingerprint goes. One row per (model, fingerprint): the
    unique constraint and a row lock make two reports filed at the same moment land in the same
    incident instead of opening two."""

    model = models.ForeignKey("registry.Model", on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="routes")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "fingerprint"], name="one_route_per_fingerprint")]

    def __str__(self) -> str:
        return f"{self.fingerprint[:12]} → INC-{self.incident_id}"


class EvidenceKind(models.TextChoices):
    REPORT = "report", "WTF report"
    REPLAY = "replay", "Replay"
    FORENSICS = "forensics", "Input forensics of a report"
    DRIFT_REPORT = "drift_report", "Drift report"
    ATTACHMENT = "attachment", "Attachment"
    LINK = "link", "Link (logs, dashboard, notebook…)"
    NOTE = "note", "Note"
    DIAGNOSIS = "diagnosis", "Differential diagnosis of a report"


class IncidentEvidence(models.Model):
    """Something that shows what happened: a replay, a drift report, a report's forensics, a
    screenshot, a link to logs, or a note. Post-mortem why-nodes cite these, so that a
    confirmed hypothesis points at what confirmed it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=16, choices=EvidenceKind.choices)
    title = models.CharField(max_length=200)
    # A page of this app ("/replays/4/") or an outside http(s) address.
    url = models.CharField(max_length=2000, blank=True)
    note = models.TextField(blank=True)
    # The id of the replay, drift report, report or attachment (for those kinds).
    ref_id = models.PositiveBigIntegerField(null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "kind", "ref_id"], name="evidence_once_per_object",
                                               condition=models.Q(ref_id__isnull=False))]

    def __str__(self) -> str:
        return f"E{self.pk} ({self.get_kind_display()}): {self.title}"


# --- Learning across incidents: tags, and what makes two incidents alike ----------------------

class Tag(models.Model):
    """A free label on incidents ("checkout", "pricing-launch"), created the first time someone
    types it. Names are stored normalised (lower case, single spaces) so "Checkout" and
    "checkout " are one tag. An admin merges near-duplicates: the merged tag stays as an alias
    of the one it went into, so typing its name again lands on the surviving tag."""

    name = models.CharField(max_length=50, unique=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="aliases")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IncidentTag(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="incident_links")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["tag__name"]
        constraints = [models.UniqueConstraint(fields=["incident", "tag"], name="incident_tag_once")]

    def __str__(self) -> str:
        return f"INC-{self.incident_id} #{self.tag_id}"


class SignalKind(models.TextChoices):
    """The parts of an incident's ML signature (apps/incidents/similarity.py weighs them). Each
    part is written by the app that knows it: the incident itself (model, tags, words of its
    title), forensics (features and their flags), post-mortems (root cause, contributing
    factors, words of the summary)."""

    MODEL = "model", "Model"
    FEATURE = "feature", "Suspicious feature"
    FLAG = "flag", "Feature flag (feature:kind)"
    FLAG_KIND = "flag_kind", "Kind of flag"
    ROOT_CAUSE = "root_cause", "Root-cause category"
    FACTOR = "factor", "Contributing factor category"
    TAG = "tag", "Tag"
    TITLE_WORD = "title_word", "Word of the title"
    SUMMARY_WORD = "summary_word", "Word of the post-mortem"


class IncidentSignal(models.Model):
    """One part of an incident's ML signature, e.g. (flag, "proline:scale_shift"). An inverted
    index: finding the incidents that share parts with one is a join and a GROUP BY on
    (kind, value), the same on PostgreSQL and SQLite, however many incidents there are. It lives
    in this low layer so that the incident page and API can rank without importing the higher
    apps that know the facts; those apps' services rewrite their kinds when the facts change."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="signals")
    kind = models.CharField(max_length=16, choices=SignalKind.choices)
    value = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "kind", "value"], name="incident_signal_once")]
        indexes = [models.Index(fields=["kind", "value"], name="incident_signal_lookup")]

    def __str__(self) -> str:
        return f"INC-{self.incident_id} {self.kind}={self.value}"


class SimilarityVerdict(models.TextChoices):
    SIMILAR = "similar", "Similar"
    NOT_SIMILAR = "not_similar", "Not similar"


class SimilarityMark(models.Model):
    """A person's verdict on a suggested pair: "similar" keeps the pair at the top of both
    incidents' suggestions, "not similar" removes it. One mark per pair (the latest decision
    wins, each change audited), stored with the lower id first: similarity is symmetric."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    verdict = models.CharField(max_length=16, choices=SimilarityVerdict.choices)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "other"], name="similarity_mark_once_per_pair"),
            models.CheckConstraint(condition=models.Q(incident__lt=models.F("other")), name="similarity_mark_ordered"),
        ]

    def __str__(self) -> str:
        return f"INC-{self.incident_id} ~ INC-{self.other_id}: {self.verdict}"


class IncidentOnset(models.Model):
    """When the incident's pattern first shows in the inference log: the earliest logged
    prediction (of the versions its reports came from, before its first report) whose input
    matches what makes its first report odd, e.g. `proline` above the training max. Written by
    forensics, which knows the pattern; read here for suspects (a change shortly before it) and
    by insights (time to detect = first report − this)."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, primary_key=True, related_name="onset")
    first_odd_prediction_at = models.DateTimeField(null=True, blank=True)
    prediction_id = models.CharField(max_length=200, blank=True)
    # The pattern in words: "`proline` above 14.8 (the training max)".
    pattern = models.CharField(max_length=300, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Onset of INC-{self.incident_id}: {self.first_odd_prediction_at}"
