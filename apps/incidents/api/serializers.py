from django.contrib.auth import get_user_model
from rest_framework import serializers

from apps.incidents.models import INCIDENT_TRANSITIONS, Incident, IncidentStatus, Severity


class IncidentSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all(),
                                         allow_null=True, required=False)
    report_count = serializers.IntegerField(read_only=True)
    reporter_count = serializers.IntegerField(read_only=True)
    allowed_transitions = serializers.SerializerMethodField()
    restricted_to = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)

    class Meta:
        model = Incident
        fields = ["id", "title", "model", "status", "severity", "owner", "resolution_note", "report_count",
                  "reporter_count", "allowed_transitions", "restricted", "restricted_to", "created_at", "updated_at"]
        read_only_fields = ["id", "model", "status", "resolution_note", "restricted", "created_at", "updated_at"]

    def get_allowed_transitions(self, obj: Incident) -> list[str]:
        return INCIDENT_TRANSITIONS.allowed_from(obj.status)


class IncidentUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    owner = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all(),
                                         allow_null=True, required=False)


    restricted = serializers.BooleanField(required=False,
                                          help_text="Visible only to the owning team, admins and `restricted_to`.")
    restricted_to = serializers.SlugRelatedField(slug_field="username", many=True, required=False,
                                                 queryset=get_user_model().objects.filter(is_active=True),
                                                 help_text="Usernames who may see and work on a restricted "
                                                           "incident besides the owning team.")


class IncidentTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=IncidentStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
