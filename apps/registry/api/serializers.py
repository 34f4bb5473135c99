from rest_framework import serializers

from apps.registry.models import Model, ModelVersion


class ModelSerializer(serializers.ModelSerializer):
    version_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Model
        fields = ["name", "display_name", "description", "version_count", "abs_tolerance", "rel_tolerance",
                  "redacted_features", "retention_days", "created_at"]
        # A model service can read which features will be stored as a marker.
        read_only_fields = ["redacted_features", "retention_days"]


class ModelVersionSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name")
    has_reference = serializers.SerializerMethodField()

    class Meta:
        model = ModelVersion
        fields = ["model", "version", "backend", "sha256", "feature_schema", "reference_rows", "has_reference",
                  "library_versions", "created_at"]

    def get_has_reference(self, obj: ModelVersion) -> bool:
        return bool(obj.reference_stats)


class ChangeCreateSerializer(serializers.Serializer):
    """`POST /api/v1/changes/` (contract). `at` is read as text so that a time without a UTC
    offset is refused instead of being guessed in the server's time zone."""

    model = serializers.CharField(max_length=100, required=False, allow_null=True, allow_blank=True,
                                  help_text="The model it changed; leave out for a platform-wide change.")
    kind = serializers.CharField(max_length=32, help_text="deploy | rollout | feature_pipeline | data_backfill | "
                                                          "feature_flag | config | other")
    description = serializers.CharField(max_length=2000, allow_blank=True)
    at = serializers.CharField(max_length=64, required=False, allow_null=True, allow_blank=True,
                               help_text="When it happened, ISO 8601 with a UTC offset (default: now).")
    link = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="",
                                 help_text="The pipeline run, pull request or dashboard.")


class ChangeSerializer(serializers.Serializer):
    """A change as the API lists it: a recorded event (`id` set) or a version registration
    (`kind` "version", `id` null)."""

    id = serializers.IntegerField(source="event_id", allow_null=True)
    model = serializers.CharField(source="model_name", allow_null=True)
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    description = serializers.CharField()
    at = serializers.DateTimeField()
    link = serializers.CharField()
    version = serializers.CharField(allow_null=True)
    recorded_by = serializers.CharField()
