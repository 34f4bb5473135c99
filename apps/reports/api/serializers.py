from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.incidents.models import Severity
from apps.reports.models import Attachment, InputsSource, Report
from apps.reports.selectors import LoggedInputsReaders


@extend_schema_field({"type": "object", "additionalProperties": {},
                     "description": "Feature name → value, as the model version took them."})
class FeaturesField(serializers.JSONField):
    """Documented as the object it must be; any JSON gets through to report_create, which says
    what is wrong with an input in the words of the feature schema."""


class ReportCreateSerializer(serializers.Serializer):
    """Shape checks only; the rules (prediction lookup, schema) live in report_create. Only the
    title is required: a report with no model waits in the Unsorted inbox, one with a model but
    no inputs goes to its team, which links the logged prediction later."""

    model = serializers.CharField(
        max_length=100, required=False, allow_blank=True,
        help_text="The model's name. Optional: without it (and without a prediction_id that only one model logged, "
                  "or a context surface that only one model has) the report waits in the Unsorted inbox.")
    model_version = serializers.CharField(max_length=64, required=False, allow_blank=True)
    prediction_id = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lookup = serializers.DictField(
        required=False,
        help_text='Instead of prediction_id: find the logged prediction by what you know, e.g. {"context": '
                  '{"request_id": "req-42"}, "from": "2026-11-23T10:00:00Z", "to": "2026-11-23T11:00:00Z"}. '
                  "Exactly one must match; the error lists the candidates when several do. For the team that owns the "
                  "model (403 for others, who give the prediction_id).")
    features = FeaturesField(required=False)
    output = serializers.JSONField(required=False, allow_null=True)
    # Blank gets through to report_create, which asks for the title in the reporter's words.
    title = serializers.CharField(max_length=200, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
    expected = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
    context = serializers.DictField(
        required=False, help_text='Where and how it was seen, e.g. {"surface": "cellar-page", "request_id": "req-42", '
                                  '"customer_id": "c-7"}: what the team searches the log by when inputs are missing.')
    seen_at = serializers.DateTimeField(required=False, allow_null=True,
                                        help_text="Roughly when the person saw it (ISO 8601).")
    severity = serializers.ChoiceField(choices=Severity.choices, required=False, default=Severity.MEDIUM)
    allow_schema_mismatch = serializers.BooleanField(
        required=False, default=False,
        help_text="File the report even though its features do not match the version's schema.",
    )


class InputCheckSerializer(serializers.Serializer):
    feature = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    flags = serializers.ListField(child=serializers.CharField())
    percentile = serializers.FloatField(required=False, allow_null=True)
    reference = serializers.DictField()
    score = serializers.FloatField()
    message = serializers.CharField(required=False)


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Where to download the file (the same authentication).")

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "url", "created_at"]
        extra_kwargs = {
            "original_name": {"help_text": "The uploaded file's name, cleaned; for display only."},
            "content_type": {"help_text": "Detected from the content: image/png, image/jpeg, image/gif, "
                                          "image/webp, text/plain, text/csv or application/json."},
            "size": {"help_text": "Bytes."},
        }

    def get_url(self, obj: Attachment) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A PNG, JPEG, GIF or WebP image, or UTF-8 text (plain, CSV or JSON). "
                                           "The type is read from the content, not the name.")


class ReportSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name", default=None, allow_null=True,
                                  help_text="Null while the report waits in the Unsorted inbox.")
    model_version = serializers.CharField(source="model_version.version", default=None, allow_null=True)
    incident = serializers.IntegerField(source="incident_id", allow_null=True,
                                        help_text="Null while the report is unsorted (no model yet).")
    incident_status = serializers.CharField(source="incident.status", default=None, allow_null=True)
    inputs = serializers.ChoiceField(
        choices=InputsSource.choices, read_only=True,
        help_text="Where the model inputs came from: `logged` (the inference log, by prediction id), `given` (by "
                  "the reporter) or `missing` (not known yet: the team links the logged prediction later).")
    reporter = serializers.CharField(source="reporter.username", default=None)
    url = serializers.SerializerMethodField()
    inputs_withheld = serializers.SerializerMethodField(
        help_text="True when the report was filed by a prediction id and you are outside the team that owns the "
                  "model: its logged input values are the team's, so `features` and `schema_problems` are null and "
                  "`input_checks` is empty. `prediction_id` and `output` are still shown.")

    class Meta:
        model = Report
        fields = ["id", "url", "model", "model_version", "prediction_id", "inputs", "features", "output", "title",
                  "description", "expected", "context", "seen_at", "severity", "channel", "reporter", "incident",
                  "incident_status", "schema_problems", "created_at", "fingerprint", "grouping_locked",
                  "inputs_withheld"]
        extra_kwargs = {
            "fingerprint": {"help_text": "What grouped it into its incident (a SHA-256 of model, output class, "
                                         "surface and most suspicious input)."},
            "grouping_locked": {"help_text": "A person placed it in its incident (merge or move): automatic "
                                             "grouping never moves it."},
        }

    def get_url(self, obj: Report) -> str:
        request = self.context.get("request")
        path = obj.get_absolute_url()
        return request.build_absolute_uri(path) if request else path

    def _withheld(self, obj: Report) -> bool:
        # One reader per response (a list shares its root's context), so a page of reports asks once.
        readers = self.context.get("inputs_readers")
        if readers is None:
            request = self.context.get("request")
            readers = self.context["inputs_readers"] = LoggedInputsReaders(request.user if request else None)
        return not readers.may_read(obj)

    def get_inputs_withheld(self, obj: Report) -> bool:
        return self._withheld(obj)

    def to_representation(self, instance: Report) -> dict:
        data = super().to_representation(instance)
        if data["inputs_withheld"]:
            data["features"] = None
            data["schema_problems"] = None
        return data


class ReportMoveSerializer(serializers.Serializer):
    incident = serializers.IntegerField(
        min_value=1, allow_null=True,
        help_text="The incident of the same model to move the report into, or null for a new incident of its own "
                  "(unmerge).")


class PredictionCandidateSerializer(serializers.Serializer):
    prediction_id = serializers.CharField()
    timestamp = serializers.DateTimeField()
    model_version = serializers.CharField()
    output = serializers.JSONField(allow_null=True)
    context = serializers.DictField()
    score = serializers.FloatField(help_text="Higher is a better fit; only the order means something.")
    why = serializers.ListField(child=serializers.CharField(),
                                help_text='Why it matched, in words: "same request id req-42", "logged 3 minutes after '
                                          'the time they saw it", "on the same surface (cellar-page)".')


class PredictionCandidatesSerializer(serializers.Serializer):
    report = serializers.IntegerField(source="report_id")
    model = serializers.CharField()
    around = serializers.DateTimeField(help_text="The time searched around: when the person saw it, else when they "
                                                 "filed the report.")
    count = serializers.SerializerMethodField()
    results = PredictionCandidateSerializer(source="candidates", many=True,
                                            help_text="Best first, at most 20.")
    message = serializers.CharField(help_text="Why the list is empty, when it is.")

    def get_count(self, obj) -> int:
        return len(obj.candidates)


class PredictionLinkSerializer(serializers.Serializer):
    prediction_id = serializers.CharField(max_length=200, help_text="The id of one prediction in the report's "
                                                                    "model's inference log.")


class ReportUpdateSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=100, help_text="The model an unsorted report is about (admins and "
                                                            "triagers).")
