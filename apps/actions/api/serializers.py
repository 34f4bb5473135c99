from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.actions.models import (
    MAX_COMMENT,
    MAX_REASON,
    ActionItem,
    ActionItemComment,
    ActionKind,
    ActionScope,
    ExportStatus,
    Priority,
    ReviewState,
    TicketStatus,
    TrackerExport,
)
from apps.actions.selectors import action_item_last_export, allowed_moves, postmortem_id_of
from apps.core.serializer_fields import PersonField, TextField


class ActionItemSerializer(serializers.ModelSerializer):
    incident = serializers.IntegerField(source="incident_id", read_only=True)
    postmortem = serializers.SerializerMethodField(help_text="The post-mortem it was proposed in (its incident's).")
    owner = PersonField()
    proposed_by = PersonField()
    reviewed_by = PersonField()
    external_url = serializers.CharField(read_only=True, help_text="The linked external issue, or empty.")
    is_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "incident", "postmortem", "title", "description", "kind", "scope", "review_state",
                  "review_reason", "proposed_by", "reviewed_by", "reviewed_at", "owner", "priority", "due_date",
                  "status", "wont_do_reason", "external_url", "is_overdue", "created_at", "updated_at"]
        read_only_fields = fields

    def get_postmortem(self, item: ActionItem) -> int | None:
        return postmortem_id_of(item)


class ActionItemProposeSerializer(serializers.Serializer):
    title = TextField(max_length=200)
    description = TextField(max_length=10_000, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=ActionKind.choices)
    scope = serializers.ChoiceField(choices=ActionScope.choices, default=ActionScope.CATEGORY,
                                    help_text="Prefer fixing the class of bug, not only this instance.")
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.P2)
    owner = TextField(max_length=150, required=False, allow_null=True, default=None,
                                  help_text="Username of who would do it.")


class ActionItemReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["accept", "reject"])
    reason = TextField(max_length=MAX_REASON, required=False, allow_blank=True, default="",
                                   help_text="Required when rejecting; kept on record.")
    owner = TextField(max_length=150, required=False, allow_null=True, default=None)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_null=True, default=None)
    due_date = serializers.DateField(required=False, allow_null=True, default=None,
                                     help_text="Defaults from the priority (P1 four weeks, P2 eight, P3 twelve).")

MAX_ID = 2**63 - 1


class TrackerExportSerializer(serializers.ModelSerializer):
    requested_by = PersonField()
    external_url = serializers.CharField(read_only=True, help_text="The created issue's address; empty until then.")
    status = serializers.ChoiceField(choices=ExportStatus.choices, read_only=True)
    error = serializers.CharField(read_only=True, help_text="Why the tracker refused or could not be reached.")

    class Meta:
        model = TrackerExport
        fields = ["id", "tracker", "status", "attempts", "last_status_code", "error", "external_url", "requested_by",
                  "created_at", "updated_at"]
        read_only_fields = fields


class TicketSerializer(ActionItemSerializer):
    """An action item as a ticket, with what the ticket pages and bots need besides."""

    model = serializers.CharField(source="incident.model.name", read_only=True)
    fixed_in_version = serializers.CharField(
        source="fixed_in_version.version", read_only=True, allow_null=True, default=None,
        help_text="For a corrective item: the version of the incident's model that carries the fix.")
    allowed_transitions = serializers.SerializerMethodField(
        help_text="The statuses the ticket may move to now (none until a reviewer accepts it).")
    url = serializers.SerializerMethodField(help_text="The ticket's page, for people.")
    version = serializers.IntegerField(read_only=True, help_text="Goes up by one with every change.")

    class Meta(ActionItemSerializer.Meta):
        fields = [*ActionItemSerializer.Meta.fields, "model", "fixed_in_version", "allowed_transitions", "url",
                  "version"]
        read_only_fields = fields

    def get_allowed_transitions(self, obj: ActionItem) -> list[str]:
        return allowed_moves(obj)

    def get_url(self, obj: ActionItem) -> str:
        return reverse("actions:detail", args=[obj.pk])


class TicketDetailSerializer(TicketSerializer):
    last_export = serializers.SerializerMethodField(help_text="The latest export to an external tracker, if any.")

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "last_export"]
        read_only_fields = fields

    @extend_schema_field(TrackerExportSerializer(allow_null=True))
    def get_last_export(self, obj: ActionItem) -> dict | None:
        export = action_item_last_export(item=obj)
        return TrackerExportSerializer(export).data if export else None


class ActionItemFilterSerializer(serializers.Serializer):
    """The list's query parameters."""

    status = serializers.ChoiceField(choices=TicketStatus.choices, required=False)
    review_state = serializers.ChoiceField(choices=ReviewState.choices, required=False)
    owner = serializers.CharField(max_length=150, required=False, help_text="A username.")
    overdue = serializers.BooleanField(required=False,
                                       help_text="true: tickets past their due date and not finished; false: the "
                                                 "others.")
    incident = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    model = serializers.CharField(max_length=100, required=False, help_text="A model's name.")
    team = serializers.SlugField(max_length=50, required=False, help_text="The slug of the team owning the model.")


class NonBlankOwnerField(TextField):
    default_error_messages = {"blank": "Give a username, or null to leave the ticket without an owner."}


class ActionItemUpdateSerializer(serializers.Serializer):
    owner = NonBlankOwnerField(max_length=150, required=False, allow_null=True,
                               help_text="Username of who does it; null for nobody.")
    due_date = serializers.DateField(required=False, allow_null=True, help_text="Today or later.")
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    external_url = TextField(max_length=500, required=False, allow_blank=True,
                                         help_text="The issue in Jira, GitHub, Linear…; empty clears it.")
    fixed_in_version = TextField(max_length=64, required=False, allow_null=True, allow_blank=True,
                                             help_text="Corrective items only: a version of the incident's model; "
                                                       "null clears it.")


class ActionItemTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=TicketStatus.choices)
    reason = TextField(max_length=MAX_REASON, required=False, allow_blank=True, default="",
                       help_text="Required when moving to `wont_do`; kept on record.")


class ActionItemCommentSerializer(serializers.ModelSerializer):
    author = PersonField()

    class Meta:
        model = ActionItemComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = fields


class ActionItemCommentCreateSerializer(serializers.Serializer):
    body = TextField(max_length=MAX_COMMENT)
