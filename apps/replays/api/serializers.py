from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.replays.models import ExpectedOutcome, Predicate, Replay, ReplayResult

# Ids are 64-bit in the database; a larger number cannot name anything and would overflow the query.
MAX_ID = 2**63 - 1


class ReplayStartSerializer(serializers.Serializer):
    model_version = serializers.CharField(max_length=64, required=False, allow_blank=True,
                                          help_text="Default: the report's own (logged) version.")


class ReplayBatchSerializer(serializers.Serializer):
    model = serializers.CharField(max_length=100)
    model_version = serializers.CharField(max_length=64)
    reports = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False,
                                    max_length=100_000)
    incident = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    suite = serializers.ChoiceField(choices=["resolved"], required=False,
                                    help_text="'resolved': every resolved report with an expected outcome; each "
                                              "result is classified pass / regressed / still failing.")

    def validate(self, attrs):
        given = [key for key in ("reports", "incident", "suite") if attrs.get(key) not in (None, [])]
        if len(given) != 1:
            raise serializers.ValidationError("Give exactly one of 'reports', 'incident' or 'suite'.")
        return attrs


class ReplayAcceptedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Replay
        fields = ["id", "status"]


class ReplayResultSerializer(serializers.ModelSerializer):
    report = serializers.IntegerField(source="report_id")

    class Meta:
        model = ReplayResult
        fields = ["report", "output", "matches_original", "diff", "error", "nondeterministic", "expectation_met",
                  "verdict"]


class ReplaySerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model_version.model.name")
    model_version = serializers.CharField(source="model_version.version")
    requested_by = serializers.CharField(source="requested_by.username", default=None, allow_null=True)
    progress = serializers.FloatField(help_text="Share of the inputs done, 0 to 1.")
    duration_seconds = serializers.FloatField(allow_null=True)
    results = serializers.SerializerMethodField()

    class Meta:
        model = Replay
        fields = ["id", "status", "kind", "model", "model_version", "total", "matched", "mismatched", "errors",
                  "error_message", "warnings", "library_versions", "created_at", "started_at", "finished_at",
                  "results", "suite", "passed", "regressed", "still_failing", "nondeterministic", "processed",
                  "progress", "chunks_total", "chunks_done", "duration_seconds", "requested_by"]

    @extend_schema_field(ReplayResultSerializer(many=True))
    def get_results(self, obj: Replay) -> list[dict]:
        return ReplayResultSerializer(self.context["results"], many=True).data


class ExpectedOutcomeSerializer(serializers.ModelSerializer):
    report = serializers.IntegerField(source="report_id", read_only=True)
    predicate = serializers.ChoiceField(choices=Predicate.choices)
    value = serializers.JSONField(help_text="A label (equals / not_equals), a non-empty list (in_set) or a "
                                            "number (score_below / score_above).")
    field = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                  help_text="Key of a dict output to test, e.g. 'score'.")
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    set_by = serializers.CharField(source="set_by.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = ExpectedOutcome
        fields = ["report", "predicate", "value", "field", "note", "set_by", "updated_at"]
        read_only_fields = ["updated_at"]
