from __future__ import annotations

from rest_framework import serializers

from apps.actions.api.serializers import ActionItemSerializer
from apps.core.serializer_fields import PersonField, TextField
from apps.incidents.models import EvidenceKind, IncidentEvidence
from apps.postmortems.models import (
    MAX_SHORT_TEXT,
    MAX_TEXT,
    POSTMORTEM_TRANSITIONS,
    WHY_TRANSITIONS,
    Postmortem,
    PostmortemStatus,
    ReviewComment,
    RootCauseCategory,
    Section,
    WhyNode,
    WhyStatus,
)
from apps.postmortems.selectors import PostmortemRead

MAX_COUNT = 2**63 - 1
MAX_ID = 2**63 - 1


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


class EvidenceSerializer(serializers.ModelSerializer):
    added_by = PersonField()

    class Meta:
        model = IncidentEvidence
        fields = ["id", "kind", "title", "url", "note", "ref_id", "added_by", "created_at"]
        read_only_fields = fields


class EvidenceCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    ref_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID,
                                      help_text="The id of the report, replay, drift report or attachment.")
    url = TextField(required=False, allow_blank=True, max_length=2000, default="",
                                help_text="For a link: an http(s) address.")
    title = TextField(required=False, allow_blank=True, max_length=200, default="")
    note = TextField(required=False, allow_blank=True, max_length=10_000, default="")


class WhyNodeSerializer(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    evidence = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    decided_by = PersonField()
    created_by = PersonField()
    allowed_transitions = serializers.SerializerMethodField()
    on_root_cause_chain = serializers.SerializerMethodField()

    class Meta:
        model = WhyNode
        fields = ["id", "parent", "question", "answer", "how_to_check", "evidence", "evidence_note", "status",
                  "decision_note", "decided_by", "decided_at", "allowed_transitions", "on_root_cause_chain",
                  "position", "version", "created_by", "created_at", "updated_at"]
        read_only_fields = fields

    def get_allowed_transitions(self, obj: WhyNode) -> list[str]:
        return WHY_TRANSITIONS.allowed_from(obj.status)

    def get_on_root_cause_chain(self, obj: WhyNode) -> bool:
        return obj.pk in self.context.get("chain_ids", set())


class WhyNodeCreateSerializer(serializers.Serializer):
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID, default=None,
                                      help_text="A confirmed node to ask \"why?\" of; omit for the top level "
                                                "(an answer to why the incident happened, or an alternative one).")
    question = TextField(max_length=500)
    answer = TextField(max_length=MAX_SHORT_TEXT, help_text="The proposed answer: a hypothesis.")
    how_to_check = TextField(max_length=MAX_SHORT_TEXT, required=False, allow_blank=True, default="")
    evidence_note = TextField(max_length=MAX_SHORT_TEXT, required=False, allow_blank=True, default="")
    evidence = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                     default=list, max_length=100,
                                     help_text="Ids of evidence attached to the incident.")


class WhyNodeUpdateSerializer(serializers.Serializer):
    parent = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID,
                                      help_text="Move the node under another confirmed node (or to the top: null).")
    question = TextField(max_length=500, required=False)
    answer = TextField(max_length=MAX_SHORT_TEXT, required=False)
    how_to_check = TextField(max_length=MAX_SHORT_TEXT, required=False, allow_blank=True)
    evidence_note = TextField(max_length=MAX_SHORT_TEXT, required=False, allow_blank=True)
    evidence = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                     max_length=100)


class WhyDecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=WhyStatus.choices,
                                     help_text="`confirmed` or `refuted` (with a note), or `proposed` to take a "
                                               "decision back.")
    note = TextField(max_length=MAX_SHORT_TEXT, required=False, allow_blank=True, default="",
                                 help_text="What the check showed. Required when confirming or refuting.")


class TimelineItemSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField()
    source = serializers.ChoiceField(
        choices=["manual", "audit", "change"],
        help_text="`manual`: added by a person; `audit`: recorded by the tracker; `change`: a change event "
                  "(deploy, pipeline change, version registration) around the incident.")
    actor = serializers.CharField(allow_blank=True)
    entry_id = serializers.IntegerField(allow_null=True, help_text="For manual entries: the id to delete it by.")


class TimelineEntryCreateSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When it happened, with its UTC offset.")
    text = TextField(max_length=MAX_SHORT_TEXT)


class ReviewCommentSerializer(serializers.ModelSerializer):
    author = PersonField()
    why_node = serializers.IntegerField(source="why_node_id", read_only=True, allow_null=True)
    action_item = serializers.IntegerField(source="action_item_id", read_only=True, allow_null=True)

    class Meta:
        model = ReviewComment
        fields = ["id", "section", "why_node", "action_item", "body", "author", "created_at"]
        read_only_fields = fields


class ReviewCommentCreateSerializer(serializers.Serializer):
    section = serializers.ChoiceField(choices=Section.choices)
    body = TextField(max_length=MAX_SHORT_TEXT * 2)
    why_node = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID, default=None)
    action_item = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID,
                                           default=None)


class PostmortemSerializer(serializers.ModelSerializer):
    """The whole post-mortem in one read, as a meeting screen or a bot needs it."""

    incident = serializers.IntegerField(source="incident_id", read_only=True)
    author = PersonField()
    approved_by = PersonField()
    updated_by = PersonField()
    etag = serializers.CharField(read_only=True, help_text="Send it back as `If-Match` when you PATCH.")
    root_cause_category = serializers.ChoiceField(choices=RootCauseCategory.choices, allow_blank=True, read_only=True,
                                                  help_text="Empty until someone chooses it.")
    allowed_transitions = serializers.SerializerMethodField()
    revision = serializers.SerializerMethodField(help_text="Grows with every change to the post-mortem or its action "
                                                           "items: what a meeting screen polls.")
    root_cause_category_label = serializers.SerializerMethodField()
    impact_duration_seconds = serializers.SerializerMethodField()
    why_nodes = serializers.SerializerMethodField()
    root_cause_chain = serializers.SerializerMethodField(help_text="Ids of the confirmed answers from the top down.")
    approval_blockers = serializers.SerializerMethodField(
        help_text="What stops approval; empty when a reviewer may approve.")
    hints = serializers.SerializerMethodField(help_text="Advice, never a block: blaming language, confirmed answers "
                                                        "without evidence, a chain that stops early, action points "
                                                        "that all fix this instance only.")
    timeline = serializers.SerializerMethodField()
    action_items = serializers.SerializerMethodField()
    comments = serializers.SerializerMethodField()
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Postmortem
        fields = ["id", "incident", "status", "allowed_transitions", "version", "revision", "etag", "author",
                  "summary", "facts", "root_cause_category", "root_cause_category_label", "root_cause_summary",
                  "affected_predictions", "affected_users", "affected_requests", "impact_started_at",
                  "impact_ended_at", "impact_duration_seconds", "business_impact", "impact_query", "went_well",
                  "went_wrong", "got_lucky", "why_nodes", "root_cause_chain", "approval_blockers", "hints",
                  "timeline", "action_items", "comments", "evidence", "review_requested_at", "approved_by",
                  "approved_at", "published_at", "updated_by", "created_at", "updated_at"]
        read_only_fields = fields

    @classmethod
    def of(cls, read: PostmortemRead) -> PostmortemSerializer:
        """The serializer of a post-mortem read by `selectors.postmortem_read`: every nested list
        comes from the read model, so rendering it runs no query of its own."""
        return cls(read.postmortem, context={"read": read})

    @property
    def read(self) -> PostmortemRead:
        return self.context["read"]

    def get_allowed_transitions(self, obj: Postmortem) -> list[str]:
        return POSTMORTEM_TRANSITIONS.allowed_from(obj.status)

    def get_root_cause_category_label(self, obj: Postmortem) -> str:
        return self.read.category_label

    def get_impact_duration_seconds(self, obj: Postmortem) -> int | None:
        duration = obj.impact_duration
        return int(duration.total_seconds()) if duration is not None else None

    def get_why_nodes(self, obj: Postmortem) -> list[dict]:
        return WhyNodeSerializer(self.read.nodes, many=True, context={"chain_ids": self.read.chain_ids}).data

    def get_root_cause_chain(self, obj: Postmortem) -> list[int]:
        return [node.id for node in self.read.chain]

    def get_approval_blockers(self, obj: Postmortem) -> list[str]:
        return list(self.read.blockers)

    def get_hints(self, obj: Postmortem) -> list[dict]:
        return list(self.read.hints)

    def get_timeline(self, obj: Postmortem) -> list[dict]:
        return TimelineItemSerializer(self.read.timeline, many=True).data

    def get_revision(self, obj: Postmortem) -> int:
        return self.read.revision

    def get_action_items(self, obj: Postmortem) -> list[dict]:
        return ActionItemSerializer([row.item for row in self.read.action_items], many=True).data

    def get_comments(self, obj: Postmortem) -> list[dict]:
        return ReviewCommentSerializer(self.read.comments, many=True).data

    def get_evidence(self, obj: Postmortem) -> list[dict]:
        return EvidenceSerializer(self.read.evidence, many=True).data


class PostmortemUpdateSerializer(serializers.Serializer):
    summary = TextField(max_length=MAX_TEXT, required=False, allow_blank=True)
    facts = TextField(max_length=MAX_TEXT, required=False, allow_blank=True)
    root_cause_category = serializers.ChoiceField(choices=RootCauseCategory.choices, required=False, allow_blank=True)
    root_cause_summary = TextField(max_length=MAX_TEXT, required=False, allow_blank=True)
    affected_predictions = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, allow_null=True)
    affected_users = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, allow_null=True)
    affected_requests = serializers.IntegerField(min_value=0, max_value=MAX_COUNT, required=False, allow_null=True)
    impact_started_at = serializers.DateTimeField(required=False, allow_null=True)
    impact_ended_at = serializers.DateTimeField(required=False, allow_null=True)
    business_impact = TextField(max_length=MAX_TEXT, required=False, allow_blank=True)
    went_well = TextField(max_length=MAX_TEXT, required=False, allow_blank=True)
    went_wrong = TextField(max_length=MAX_TEXT, required=False, allow_blank=True)
    got_lucky = TextField(max_length=MAX_TEXT, required=False, allow_blank=True)


class PostmortemTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=PostmortemStatus.choices)
    note = TextField(max_length=MAX_SHORT_TEXT, required=False, allow_blank=True, default="",
                                 help_text="Kept as a review comment (e.g. what to change when sending it back).")


class StaleProblemSerializer(serializers.Serializer):
    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    current_version = serializers.IntegerField()
    changed_by = serializers.CharField(required=False)
    current = PostmortemSerializer(required=False, help_text="The post-mortem as it is now.")

