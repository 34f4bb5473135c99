from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from apps.core.errors import InvalidInput, NotFound
from apps.core.schema import problem_responses
from apps.core.throttling import INTAKE_THROTTLES
from apps.registry import selectors
from apps.registry.changes import change_event_record, change_row, changes_between

from .serializers import ChangeCreateSerializer, ChangeSerializer, ModelSerializer, ModelVersionSerializer


class ModelListApi(generics.ListAPIView):
    serializer_class = ModelSerializer

    def get_queryset(self):
        return selectors.model_list()


class ModelVersionListApi(generics.ListAPIView):
    serializer_class = ModelVersionSerializer

    def get_queryset(self):
        model = selectors.model_get(name=self.kwargs["name"])
        return selectors.model_version_list(model=model)


class ChangeListCreateApi(generics.ListAPIView):
    """Change events: deploys, rollouts, feature-pipeline changes, backfills, flags, config.
    Version registrations are listed too (kind "version"), read from the registry."""

    throttle_classes = INTAKE_THROTTLES
    token_scopes = {"POST": "changes:record"}
    serializer_class = ChangeSerializer

    def get_queryset(self):
        # A list, not a queryset: recorded events and version registrations, merged by time.
        name = self.request.query_params.get("model")
        model = selectors.model_get(name=name) if name else None
        return changes_between(user=self.request.user, model=model, limit=500)

    @extend_schema(
        request=ChangeCreateSerializer,
        responses={201: ChangeSerializer, **problem_responses({
            403: "Not a member (or a bot) of the team that owns the model, or a token without `changes:record`.",
        })},
    )
    def post(self, request):
        serializer = ChangeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        model = None
        if data.get("model"):
            try:
                model = selectors.model_get(name=data["model"])
            except NotFound:
                message = f"There is no model named '{data['model']}'. Leave `model` out for a platform-wide change."
                raise InvalidInput(message, errors={"model": [f"Unknown model '{data['model']}'."]}) from None
        at = None
        if data.get("at"):
            try:
                at = parse_datetime(data["at"].strip())
            except ValueError:
                at = None
            if at is None:
                raise InvalidInput("`at` is not a date and time: use ISO 8601, e.g. 2026-11-23T09:30:00Z.",
                                   errors={"at": ["Not an ISO 8601 date-time."]})
        event = change_event_record(actor=request.user, kind=data["kind"], description=data["description"],
                                    model=model, at=at, link=data.get("link", ""))
        return Response(ChangeSerializer(change_row(event)).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter(
        "model", str, description="Only this model's changes (and platform-wide ones); the latest 500.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
