from rest_framework import serializers

from apps.forensics.models import DriftReport, ReportForensics


class ReportForensicsSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportForensics
        fields = ["status", "attribution", "neighbours", "prevalence", "repairs", "notes", "error_message",
                  "requested_at", "computed_at"]


class DriftRequestSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=100)
    model_version = serializers.CharField(max_length=64)
    # "from" is a Python keyword: declared below.
    to = serializers.DateTimeField(required=False, help_text="End of the window (default: now).")


DriftRequestSerializer._declared_fields["from"] = serializers.DateTimeField(
    required=False, help_text="Start of the window (default: DRIFT_WINDOW_HOURS before 'to').")


class DriftReportSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model_version.model.name")
    model_version = serializers.CharField(source="model_version.version")
    url = serializers.SerializerMethodField()

    class Meta:
        model = DriftReport
        fields = ["id", "url", "model", "model_version", "status", "window_start", "window_end", "scheduled", "rows",
                  "reference_rows", "dataset_drift", "share_drifted", "drifted_features", "features", "notes",
                  "error_message", "incident", "created_at", "finished_at"]

    def get_url(self, obj: DriftReport) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(obj.get_absolute_url()) if request else obj.get_absolute_url()
