"""The diagnosis's JSON shape (contract), for the OpenAPI schema; the views render the
selectors' read model with `DiagnosisView.as_json`."""

from rest_framework import serializers

from ..kinds import Kind
from ..models import DiagnosisStatus


class CheckSerializer(serializers.Serializer):
    check = serializers.CharField()
    result = serializers.CharField()
    supports = serializers.BooleanField()
    ran = serializers.BooleanField(help_text="False when the check could not run (and says why in `result`).")


class CounterfactualSerializer(serializers.Serializer):
    input = serializers.DictField(help_text="The repaired feature values, applied on the logged input.")
    output = serializers.JSONField(allow_null=True, help_text="What the logged version answers for the repair.")
    matches_expected = serializers.BooleanField(allow_null=True,
                                                help_text="Whether that is the expected answer; null when unknown.")


class HypothesisSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[kind.value for kind in Kind])
    confidence = serializers.FloatField(min_value=0, max_value=1)
    summary = serializers.CharField()
    feature = serializers.CharField(required=False)
    checks = CheckSerializer(many=True)
    counterfactual = CounterfactualSerializer(required=False)
    reports = serializers.IntegerField(required=False, help_text="On an incident: how many reports support it.")


class DiagnosisSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DiagnosisStatus.choices)
    summary = serializers.CharField()
    hypotheses = HypothesisSerializer(many=True, help_text="Ranked, most likely first.")
    report = serializers.IntegerField(required=False)
    computed_at = serializers.DateTimeField(required=False, allow_null=True)
    notes = CheckSerializer(many=True, required=False, help_text="Checks about the whole case (what could not run).")
    error = serializers.CharField(required=False)


class IncidentDiagnosisSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DiagnosisStatus.choices)
    summary = serializers.CharField()
    hypotheses = HypothesisSerializer(many=True, help_text="Ranked by how many reports support each kind.")
    incident = serializers.IntegerField()
    reports = serializers.IntegerField(help_text="How many of the incident's reports you may see.")
