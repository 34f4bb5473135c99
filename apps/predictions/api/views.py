from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.parsers import LimitedJSONParser, NDJSONParser
from apps.core.throttling import INTAKE_THROTTLES
from apps.predictions.services import predictions_log


class PredictionRowSerializer(serializers.Serializer):
    prediction_id = serializers.CharField(max_length=200)
    model = serializers.CharField()
    model_version = serializers.CharField()
    features = serializers.DictField()
    output = serializers.JSONField(allow_null=True)
    timestamp = serializers.DateTimeField(required=False)
    context = serializers.DictField(required=False)


class PredictionLogApi(APIView):
    """Bulk inference log: a JSON list or NDJSON. Re-sending the same ids creates nothing twice;
    invalid rows are listed under `errors` by index while the valid ones are stored."""

    parser_classes = [LimitedJSONParser, NDJSONParser]
    throttle_classes = INTAKE_THROTTLES
    token_scopes = {"POST": "predictions:log"}

    @extend_schema(
        request=PredictionRowSerializer(many=True),
        responses={201: inline_serializer("PredictionLogResult", {
            "created": serializers.IntegerField(),
            "duplicates": serializers.IntegerField(),
            "errors": serializers.ListField(child=serializers.DictField()),
        })},
        examples=[OpenApiExample("One row", request_only=True, value=[{
            "prediction_id": "req-123", "model": "wine-cultivar", "model_version": "1.0",
            "features": {"alcohol": 13.2}, "output": "class_1"}])],
    )
    def post(self, request):
        result = predictions_log(rows=request.data, actor=request.user)
        return Response({"created": result.created, "duplicates": result.duplicates, "errors": result.errors},
                        status=status.HTTP_201_CREATED)
