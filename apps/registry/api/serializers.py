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
