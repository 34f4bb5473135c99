from rest_framework import serializers

from apps.feedback.models import Feedback, Verdict


class FeedbackCreateSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=100)
    prediction_id = serializers.CharField(max_length=200)
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    label = serializers.JSONField(required=False, allow_null=True,
                                  help_text="For a thumbs-down: what the output should have been.")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="",
                                    help_text="A thumbs-down with a comment also files a WTF report.")
    screenshot = serializers.FileField(required=False, allow_empty_file=False,
                                       help_text="Multipart only, with a thumbs-down: attached to the report it files.")


class FeedbackSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name")
    model_version = serializers.CharField(source="model_version.version")
    report_url = serializers.SerializerMethodField()

    class Meta:
        model = Feedback
        fields = ["id", "model", "model_version", "prediction_id", "verdict", "label", "comment", "report",
                  "report_url", "created_at"]

    def get_report_url(self, obj: Feedback) -> str | None:
        if obj.report_id is None:
            return None
        request = self.context.get("request")
        path = obj.report.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class FeedbackCountSerializer(serializers.Serializer):
    version = serializers.CharField()
    up = serializers.IntegerField()
    down = serializers.IntegerField()
    reports = serializers.IntegerField(help_text="Thumbs-downs that came with a comment and became reports.")
    total = serializers.IntegerField()


class WidgetFeedbackSerializer(serializers.ModelSerializer):
    """What the embedded widget is told: its feedback was taken, and the report it filed. Not
    the logged output, nor a link that only the team can open."""

    reference = serializers.SerializerMethodField()

    class Meta:
        model = Feedback
        fields = ["id", "verdict", "report", "reference"]

    def get_reference(self, obj: Feedback) -> str | None:
        return f"WTF-{obj.report_id}" if obj.report_id else None
