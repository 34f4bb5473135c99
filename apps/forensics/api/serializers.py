from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.forensics.models import DriftReport, ReportForensics
from apps.forensics.selectors import report_forensics_for
from apps.registry.reference_checks import input_checks
from apps.reports.api.serializers import AttachmentSerializer, InputCheckSerializer, ReportSerializer
from apps.reports.models import Report


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


# A report as `GET/POST /api/v1/reports/…` answer it (contract): the report's fields, its input
# checks and attachments, and its forensics block. It lives here, above reports, because of that
# block (apps/forensics/api/report_views.py serves the endpoints that answer with it). A comment,
# not a docstring: drf-spectacular would publish a docstring in the OpenAPI schema.
class ReportDetailSerializer(ReportSerializer):

    input_checks = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    forensics = serializers.SerializerMethodField(
        help_text="Attribution, similar training rows and prevalence in the log, computed after intake (team only; "
                  "null for others or before the task ran).")

    class Meta(ReportSerializer.Meta):
        fields = ReportSerializer.Meta.fields + ["input_checks", "attachments", "forensics"]

    @extend_schema_field(ReportForensicsSerializer(allow_null=True))
    def get_forensics(self, obj: Report) -> dict | None:
        request = self.context.get("request")
        forensics = report_forensics_for(user=request.user, report=obj) if request and obj.model_id else None
        return ReportForensicsSerializer(forensics).data if forensics else None

    @extend_schema_field(InputCheckSerializer(many=True))
    def get_input_checks(self, obj: Report) -> list[dict]:
        if self._withheld(obj) or not obj.has_inputs or obj.model_version_id is None:
            return []
        return input_checks(model_version=obj.model_version, features=obj.features)
