from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import InvalidInput
from apps.core.parsers import LimitedJSONParser, NDJSONParser
from apps.core.schema import problem_responses
from apps.core.throttling import INTAKE_THROTTLES
from apps.predictions.models import Prediction
from apps.predictions.selectors import PredictionLookup, predictions_search
from apps.predictions.services import predictions_log
from apps.registry.selectors import model_get


class PredictionRowSerializer(serializers.Serializer):
    prediction_id = serializers.CharField(max_length=200)
    model = serializers.CharField()
    model_version = serializers.CharField()
    features = serializers.DictField()
    output = serializers.JSONField(allow_null=True)
    timestamp = serializers.DateTimeField(required=False)
    context = serializers.DictField(required=False)


class PredictionSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.name")
    model_version = serializers.CharField(source="model_version.version")
    features = serializers.DictField()
    output = serializers.JSONField(allow_null=True)
    context = serializers.DictField()

    class Meta:
        model = Prediction
        fields = ["prediction_id", "model", "model_version", "timestamp", "features", "output", "context"]


SEARCH_LIMIT = 200


class PredictionLogApi(APIView):
    """Bulk inference log: a JSON list or NDJSON. Re-sending the same ids creates nothing twice;
    invalid rows are listed under `errors` by index while the valid ones are stored."""

    parser_classes = [LimitedJSONParser, NDJSONParser]
    throttle_classes = INTAKE_THROTTLES
    token_scopes = {"POST": "predictions:log"}

    @extend_schema(
        operation_id="predictions_search",
        parameters=[
            OpenApiParameter("model", str, required=True, description="The model's name."),
            OpenApiParameter("prediction_id", str, description="One prediction by its id."),
            OpenApiParameter("context.FIELD", str, description="Match a context field, e.g. "
                             "`context.request_id=req-42` (repeat for several fields)."),
            OpenApiParameter("from", str, description="ISO 8601 date-time: logged at or after."),
            OpenApiParameter("to", str, description="ISO 8601 date-time: logged at or before."),
        ],
        # Paginated by hand below, so the page envelope is spelled out (an APIView's `many=True`
        # would be documented as a bare list).
        responses={200: inline_serializer("PaginatedPredictionList", {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": PredictionSerializer(many=True),
        }), **problem_responses({
            400: "No `model` given, or a malformed `from`, `to` or context field.",
            404: "No such model, or no such page of results.",
        })},
    )
    def get(self, request):
        """Finds logged predictions, newest first (at most 200). The inference log holds
        production inputs, so only the team that owns the model may search it."""
        if not request.query_params.get("model"):
            raise InvalidInput("Say which model's log to search: ?model=NAME.", errors={"model": ["Required."]})
        model = model_get(name=request.query_params["model"])
        prediction_id = request.query_params.get("prediction_id")
        lookup = None if prediction_id else PredictionLookup.parse({
            "context": {key[len("context."):]: value for key, value in request.query_params.items()
                        if key.startswith("context.")},
            "from": request.query_params.get("from"), "to": request.query_params.get("to"),
        })
        found = predictions_search(user=request.user, model=model, prediction_id=prediction_id, lookup=lookup,
                                   limit=SEARCH_LIMIT)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(found, request, view=self)
        return paginator.get_paginated_response(PredictionSerializer(page, many=True).data)

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
