from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.core.state_machine import StateMachine

MAX_TEXT = 20_000
MAX_SHORT_TEXT = 2_000


class PostmortemStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"
    PUBLISHED = "published", "Published"


P = PostmortemStatus
POSTMORTEM_TRANSITIONS = StateMachine(
    "Post-mortem",
    {
        P.DRAFT: {P.IN_REVIEW},
        # Back to draft is the reviewer asking for changes.
        P.IN_REVIEW: {P.DRAFT, P.APPROVED},
        P.APPROVED: {P.PUBLISHED, P.IN_REVIEW},
        P.PUBLISHED: set(),
    },
)
# Sections, why-nodes and timeline entries are written while the team works on it; once
# approved the text is what the reviewer approved.
EDITABLE_STATUSES = {P.DRAFT, P.IN_REVIEW}


class RootCauseCategory(models.TextChoices):
    """The ML taxonomy of DESIGN.md §1: the *category* of bug, which is what action points
    should fix."""

    TRAINING_SERVING_SKEW = "training_serving_skew", "Training–serving skew"
    FEATURE_PIPELINE = "feature_pipeline", "Feature pipeline / unit change"
    DATA_DRIFT = "data_drift", "Data drift"
    MODELLING_ASSUMPTION = "modelling_assumption", "Modelling assumption"
    BUSINESS_RULE = "business_rule", "Business rule / filter"
    UI_PRODUCT_SURFACE = "ui_product_surface", "UI / product surface"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    EXPECTED_BEHAVIOUR = "expected_behaviour", "Expected behaviour"


class Postmortem(models.Model):
    """The blameless post-mortem of one incident. `version` guards its own fields against lost
    updates (ETag / If-Match); `revision` counts every change to it or anything in it (nodes,
    timeline, comments, action items), which is what a meeting screen polls."""

    incident = models.OneToOneField("incidents.Incident", on_delete=models.CASCADE, related_name="postmortem")
    status = models.CharField(max_length=16, choices=PostmortemStatus.choices, default=PostmortemStatus.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(default=1)
    revision = models.PositiveIntegerField(default=1)

    summary = models.TextField(blank=True)
    facts = models.TextField(blank=True, help_text="What is known for certain, before any explanation.")
    root_cause_category = models.CharField(max_length=32, choices=RootCauseCategory.choices, blank=True)
    root_cause_summary = models.TextField(blank=True)

    affected_predictions = models.PositiveBigIntegerField(null=True, blank=True)
    affected_users = models.PositiveBigIntegerField(null=True, blank=True)
    affected_requests = models.PositiveBigIntegerField(null=True, blank=True)
    impact_started_at = models.DateTimeField(null=True, blank=True)
    impact_ended_at = models.DateTimeField(null=True, blank=True)
    business_impact = models.TextField(blank=True)
    # How the counts above were measured from the inference log, for people to check.
    impact_query = models.TextField(blank=True)

    went_well = models.TextField(blank=True)
    went_wrong = models.TextField(blank=True)
    got_lucky = models.TextField(blank=True)

    # When it was (last) sent for review from a draft: its place on the meeting agenda, which
    # discussing it (and so changing it) must not move.
    review_requested_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Post-mortem of INC-{self.incident_id}"

    @property
    def etag(self) -> str:
        return f'"pm-{self.pk}-v{self.version}"'

    @property
    def impact_duration(self):
        if self.impact_started_at and self.impact_ended_at and self.impact_ended_at >= self.impact_started_at:
            return self.impact_ended_at - self.impact_started_at
        return None


class FactorCertainty(models.TextChoices):
    KNOWN = "known", "Known"
    POTENTIAL = "potential", "Potential"


class ContributingFactor(models.Model):
    """Something that made the incident possible or worse, besides the root cause (whose
    category stays the post-mortem's primary one): several per post-mortem, each with a
    category of the same ML taxonomy, whether it is known or only potential, and whether it was
    the trigger — what set the incident off (at most one per post-mortem)."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="contributing_factors")
    category = models.CharField(max_length=32, choices=RootCauseCategory.choices)
    description = models.TextField(max_length=MAX_SHORT_TEXT)
    certainty = models.CharField(max_length=16, choices=FactorCertainty.choices, default=FactorCertainty.KNOWN)
    is_trigger = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["postmortem"], condition=models.Q(is_trigger=True),
                                               name="one_trigger_per_postmortem")]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description[:60]}"


class WhyStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed (not yet checked)"
    CONFIRMED = "confirmed", "Confirmed"
    REFUTED = "refuted", "Refuted"


W = WhyStatus
# A decision can be taken back (new evidence), which makes the hypothesis unchecked again.
WHY_TRANSITIONS = StateMachine(
    "Why-node",
    {W.PROPOSED: {W.CONFIRMED, W.REFUTED}, W.CONFIRMED: {W.PROPOSED}, W.REFUTED: {W.PROPOSED}},
)


class WhyNode(models.Model):
    """One step of the why-tree: a question, a proposed answer (a hypothesis), how to check
    it, the evidence, and the verdict. Siblings are alternative answers to the same question;
    a child asks "why?" of a confirmed answer."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="why_nodes")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    question = models.CharField(max_length=500)
    answer = models.TextField(max_length=MAX_SHORT_TEXT)
    how_to_check = models.TextField(max_length=MAX_SHORT_TEXT, blank=True,
                                    help_text="How to find out whether it is true.")
    evidence_note = models.TextField(max_length=MAX_SHORT_TEXT, blank=True)
    evidence = models.ManyToManyField("incidents.IncidentEvidence", blank=True, related_name="why_nodes")
    status = models.CharField(max_length=16, choices=WhyStatus.choices, default=WhyStatus.PROPOSED)
    decision_note = models.TextField(max_length=MAX_SHORT_TEXT, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Why {self.pk}: {self.question[:80]}"


class TimelineEntry(models.Model):
    """A moment people add by hand; the automatic ones (reports filed, status changes) come
    from the audit trail."""

    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="timeline_entries")
    at = models.DateTimeField()
    text = models.TextField(max_length=MAX_SHORT_TEXT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        verbose_name_plural = "timeline entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text[:60]}"


class Section(models.TextChoices):
    """The post-mortem's sections in the order the guided editor walks them."""

    FACTS = "facts", "Facts"
    TIMELINE = "timeline", "Timeline"
    WHYS = "whys", "Five whys"
    ROOT_CAUSE = "root_cause", "Root cause"
    IMPACT = "impact", "Impact"
    LESSONS = "lessons", "Lessons"
    ACTIONS = "actions", "Action points"
    SUMMARY = "summary", "Summary"


class ReviewComment(models.Model):
    postmortem = models.ForeignKey(Postmortem, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(max_length=16, choices=Section.choices)
    why_node = models.ForeignKey(WhyNode, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    action_item = models.ForeignKey("actions.ActionItem", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="review_comments")
    body = models.TextField(max_length=MAX_SHORT_TEXT * 2)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Comment on {self.section} of INC-{self.postmortem.incident_id}"


# The meeting screen's slides: the sections, then the review panel.
MEETING_SLIDES: list[str] = [*Section.values, "review"]


class MeetingPresenter(models.Model):
    """Who presents a post-mortem's review meeting and which slide their screen shows: what the
    other screens in the room follow. This is the meeting's state, not the document's: a move
    neither counts as a change of the post-mortem (its `revision`, which would make every screen
    fetch its slides again) nor is audited. A row of its own, so that moving a slide never
    contends with someone saving a section."""

    postmortem = models.OneToOneField(Postmortem, on_delete=models.CASCADE, related_name="meeting_presenter")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    section = models.CharField(max_length=16)
    started_at = models.DateTimeField(default=timezone.now)
    moved_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} presents INC-{self.postmortem.incident_id} ({self.section})"
