"""The report endpoints that answer with a report's detail (`ReportDetailSerializer`, which
carries the forensics block): filing and listing (`/reports/`), reading and sorting one
(`/reports/<id>/`), and linking its logged prediction (`/reports/<id>/prediction/`). They moved
here from apps/reports/api, under the same paths and URL names (contract): reports sit below
forensics and may not import its serializer. The rules stay in the reports app's services."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.idempotency import run_idempotently
from apps.core.schema import problem_responses
from apps.core.throttling import INTAKE_THROTTLES
from apps.reports import selectors, services
from apps.reports.api.serializers import (
    PredictionLinkSerializer,
    ReportCreateSerializer,
    ReportSerializer,
    ReportUpdateSerializer,
)
from apps.reports.models import Channel

from .serializers import ReportDetailSerializer


class ReportListCreateApi(generics.ListAPIView):
    serializer_class = ReportSerializer
    throttle_classes = INTAKE_THROTTLES
    token_scopes = {"POST": "reports:create"}

    def get_queryset(self) -> QuerySet:
        return selectors.report_list(user=self.request.user)

    @extend_schema(
        request=ReportCreateSerializer,
        responses={201: ReportDetailSerializer, **problem_responses({
            403: "A lookup by context outside the model's team, or a bot outside the model's team.",
            404: "No such model or model version.",
            422: "This Idempotency-Key was already used with another body.",
        })},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="Send the same key again to get the first response back; "
                                                 "nothing is created twice. Kept 24 hours.")],
    )
    def post(self, request) -> Response:
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)

        def create() -> tuple[int, dict]:
            report = services.report_create(
                reporter=request.user,
                model_name=data.pop("model", None) or None,
                title=data.pop("title"),
                channel=Channel.API,
                **{key: value for key, value in data.items() if value not in ("", None) or key == "output"},
            )
            return status.HTTP_201_CREATED, ReportDetailSerializer(report, context={"request": request}).data

        status_code, body = run_idempotently(user=request.user, scope="reports.create",
                                             key=request.headers.get("Idempotency-Key"), data=request.data,
                                             action=create)
        return Response(body, status=status_code)


class ReportDetailApi(APIView):
    @extend_schema(responses=ReportDetailSerializer)
    def get(self, request, pk: int) -> Response:
        report = selectors.report_get(user=request.user, report_id=pk)
        return Response(ReportDetailSerializer(report, context={"request": request}).data)

    @extend_schema(
        request=ReportUpdateSerializer,
        responses={200: ReportDetailSerializer, **problem_responses({
            403: "Only admins and triagers sort the Unsorted inbox.",
            404: "No such report (or you may not see it), or no such model.",
            409: "The report already has a model.",
        })},
        description="Sorts an unsorted report: names the model it is about. It joins an incident of that model, "
                    "whose team links its logged prediction.",
    )
    def patch(self, request, pk: int) -> Response:
        serializer = ReportUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A triager outside the model's team no longer sees the report once sorted: it answers what it did.
        report = services.report_model_assign(report_id=pk, model_name=serializer.validated_data["model"],
                                              actor=request.user)
        return Response(ReportDetailSerializer(report, context={"request": request}).data)


class ReportPredictionLinkApi(APIView):
    @extend_schema(
        request=PredictionLinkSerializer,
        responses={200: ReportDetailSerializer, **problem_responses({
            400: "No such prediction in the model's log.",
            403: "You may see the report but are not in the team that owns its model.",
            404: "No such report, or you may not see it.",
            409: "The report already has inputs, is unsorted, or the prediction was logged by another model "
                 "(the answer names both).",
        })},
        description='Links the logged prediction a report was about: the report becomes `"inputs": "logged"`, is '
                    "grouped again and its forensics run. The audit trail records who linked what.",
    )
    def post(self, request, pk: int) -> Response:
        serializer = PredictionLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.report_prediction_link(report_id=pk, prediction_id=serializer.validated_data["prediction_id"],
                                        actor=request.user)
        report = selectors.report_get(user=request.user, report_id=pk)
        return Response(ReportDetailSerializer(report, context={"request": request}).data)
