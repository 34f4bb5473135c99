from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.incidents.models import INCIDENT_TRANSITIONS, Incident, IncidentStatus, Severity, SimilarityVerdict
from apps.incidents.selectors import incident_titles_as_seen_by, incident_versions_involved


class TitleAsSeenField(serializers.CharField):
    """The incident's title as the reader may read it, from the `titles` map ({incident id:
    title}, `incident_titles_as_seen_by`) a view puts in the context for a whole page; without
    one, worked out for the request's user. The instance is never given a substituted title."""

    def get_attribute(self, instance: Incident) -> str:
        titles = self.context.get("titles")
        if titles is None or instance.pk not in titles:
            request = self.context.get("request")
            if request is None:  # no reader known: better to fail than to show the team's title
                raise ValueError("The incident serializer needs `titles` or `request` in its context.")
            titles = incident_titles_as_seen_by(user=request.user, incidents=[instance])
        return titles[instance.pk]


class IncidentSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all(),
                                         allow_null=True, required=False)
    report_count = serializers.IntegerField(read_only=True)
    reporter_count = serializers.IntegerField(read_only=True)
    allowed_transitions = serializers.SerializerMethodField()
    restricted_to = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    first_seen = serializers.DateTimeField(read_only=True, allow_null=True,
                                           help_text="When its first report was filed.")
    last_seen = serializers.DateTimeField(read_only=True, allow_null=True,
                                          help_text="When its latest report was filed.")
    model_versions = serializers.SerializerMethodField(
        help_text="The model versions its reports came from, in registration order.")
    fixed_in_version = serializers.CharField(
        source="fixed_in_version.version", read_only=True, allow_null=True, default=None,
        help_text="The version the fix shipped in: reports from it or later versions reopen the incident as a "
                  "regression; reports from older versions are the known, fixed bug.")
    merged_into = serializers.IntegerField(source="merged_into_id", read_only=True, allow_null=True,
                                           help_text="The incident this one was merged into (it is a duplicate).")
    title = TitleAsSeenField(
        max_length=200, help_text="Its first report's title for the team; readers outside the team read "
                                  "`public_title`, or \"Incident #12 on model\" while there is none.")
    public_title = serializers.CharField(read_only=True, help_text="The title the team shows outside the team.")
    fingerprint = serializers.CharField(read_only=True, help_text="What groups reports here (a SHA-256).")
    fingerprint_label = serializers.CharField(
        read_only=True, help_text="The fingerprint's parts: model, output class, surface, most suspicious input.")

    class Meta:
        model = Incident
        fields = ["id", "title", "public_title", "model", "status", "severity", "owner", "resolution_note",
                  "report_count", "reporter_count", "allowed_transitions", "restricted", "restricted_to", "created_at",
                  "updated_at", "first_seen", "last_seen", "model_versions", "fixed_in_version", "merged_into",
                  "fingerprint", "fingerprint_label"]
        read_only_fields = ["id", "model", "status", "resolution_note", "restricted", "created_at", "updated_at"]

    def get_allowed_transitions(self, obj: Incident) -> list[str]:
        return INCIDENT_TRANSITIONS.allowed_from(obj.status)

    def get_model_versions(self, obj: Incident) -> list[str]:
        # A list view hands a whole page's versions in (one query); a single incident asks here.
        involved = self.context.get("versions_involved")
        if involved is None or obj.pk not in involved:
            involved = incident_versions_involved(incidents=[obj])
        return involved[obj.pk]


class OwnerField(serializers.SlugRelatedField):
    """A username, or null for no owner. DRF's related fields quietly read "" as null (an HTML
    form's empty choice); in JSON an empty name is a mistake, not a request to clear the owner."""

    default_error_messages = {"blank": "Give a username, or null to leave the incident without an owner."}

    def run_validation(self, data=serializers.empty):
        if data == "":
            self.fail("blank")
        return super().run_validation(data)


class IncidentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    public_title = serializers.CharField(
        max_length=200, required=False, allow_blank=True,
        help_text="What readers outside the team see as its title; \"\" shows \"Incident #12 on model\".")
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    owner = OwnerField(slug_field="username", queryset=get_user_model().objects.all(), allow_null=True,
                       required=False)
    restricted = serializers.BooleanField(required=False,
                                          help_text="Visible only to the owning team, admins and `restricted_to`.")
    restricted_to = serializers.SlugRelatedField(slug_field="username", many=True, required=False,
                                                 queryset=get_user_model().objects.filter(is_active=True),
                                                 help_text="Usernames who may see and work on a restricted "
                                                           "incident besides the owning team.")
    fixed_in_version = serializers.CharField(
        required=False, allow_null=True, max_length=64,
        help_text="The version of the incident's model the fix shipped in; null forgets it.")


class IncidentTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=IncidentStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
    fixed_in_version = serializers.CharField(
        required=False, allow_null=True, max_length=64, default=None,
        help_text="When moving to `resolved`: the version of the incident's model the fix shipped in.")


class IncidentMergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, help_text="The incident that receives every report of this one.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="",
                                 help_text="Why; kept on the merged-away incident.")


class SimilarIncidentSerializer(serializers.Serializer):
    """One similar incident (contract: `incident`, `score`, `why`)."""

    incident = serializers.IntegerField(source="incident_id")
    score = serializers.FloatField(help_text="0–1: the share of this incident's signature the other one shares.")
    why = serializers.ListField(child=serializers.CharField(), help_text="The reasons, most telling first.")
    title = serializers.CharField()
    status = serializers.CharField()
    url = serializers.CharField()
    mark = serializers.CharField(source="verdict", allow_blank=True,
                                 help_text='"similar" when a person marked it so; "" otherwise.')


class IncidentDetailSerializer(IncidentSerializer):
    """One incident, with what it shares with others: its tags and similar incidents (built by
    the view from `apps.incidents.similarity`, scoped to the reader)."""

    tags = serializers.SerializerMethodField()
    similar = serializers.SerializerMethodField()

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields, "tags", "similar"]

    def get_tags(self, obj: Incident) -> list[str]:
        return [tag.name for tag in self.context.get("tags", [])]

    @extend_schema_field(SimilarIncidentSerializer(many=True))
    def get_similar(self, obj: Incident) -> list[dict]:
        similar = self.context.get("similar")
        return SimilarIncidentSerializer(similar.suggestions if similar else [], many=True).data


class SimilarityMarkSerializer(serializers.Serializer):
    other = serializers.IntegerField(min_value=1, help_text="The suggested incident.")
    verdict = serializers.ChoiceField(choices=SimilarityVerdict.choices, allow_null=True,
                                      help_text='"similar", "not_similar", or null to forget the mark.')
