from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import ApiToken
from apps.core.idempotency import run_idempotently
from apps.core.schema import problem_responses
from apps.core.throttling import INTAKE_THROTTLES
from apps.reports import selectors, services
from apps.reports.attachments import upload_request_check
from apps.reports.candidates import prediction_candidates
from apps.reports.models import Attachment, Channel

from .serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    PredictionCandidatesSerializer,
    PredictionLinkSerializer,
    ReportCreateSerializer,
    ReportDetailSerializer,
    ReportMoveSerializer,
    ReportSerializer,
    ReportUpdateSerializer,
)


class ReportListCreateApi(generics.ListAPIView):
    serializer_class = ReportSerializer
    throttle_classes = INTAKE_THROTTLES
    token_scopes = {"POST": "reports:create"}

    def get_queryset(self):
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
    def post(self, request):
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
    def get(self, request, pk: int):
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
    def patch(self, request, pk: int):
        serializer = ReportUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # A triager outside the model's team no longer sees the report once sorted: it answers what it did.
        report = services.report_model_assign(report_id=pk, model_name=serializer.validated_data["model"],
                                              actor=request.user)
        return Response(ReportDetailSerializer(report, context={"request": request}).data)


class ReportPredictionCandidatesApi(APIView):
    @extend_schema(
        responses={200: PredictionCandidatesSerializer, **problem_responses({
            403: "You may see the report but are not in the team that owns its model.",
            404: "No such report, or you may not see it.",
            409: "The report is unsorted: it needs a model first.",
        })},
        description="For a report whose inputs are missing: the logged predictions it may be about, ranked by its "
                    "context (request id, customer id, surface), the time the person saw it and the answer they "
                    "describe, each with why it matched. At most 20.",
    )
    def get(self, request, pk: int):
        search = prediction_candidates(user=request.user, report_id=pk)
        return Response(PredictionCandidatesSerializer(search).data)


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
    def post(self, request, pk: int):
        serializer = PredictionLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.report_prediction_link(report_id=pk, prediction_id=serializer.validated_data["prediction_id"],
                                        actor=request.user)
        report = selectors.report_get(user=request.user, report_id=pk)
        return Response(ReportDetailSerializer(report, context={"request": request}).data)


class ReportAttachmentListCreateApi(generics.ListAPIView):
    """A report's attachments. Upload one as `multipart/form-data` with the field `file`."""

    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser]
    throttle_classes = INTAKE_THROTTLES
    # A chat bot that filed a report may add its screenshot (to its own reports only); reading
    # files back needs full access.
    token_scopes = {"POST": "reports:create"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user or path
            return Attachment.objects.none()
        return selectors.attachment_list(user=self.request.user, report_id=self.kwargs["pk"])

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer})
    def post(self, request, pk: int):
        upload_request_check(content_length=request.META.get("CONTENT_LENGTH"))
        # A key limited to intake (a chat bot, a model service) adds files to what it filed.
        intake_only = isinstance(request.auth, ApiToken) and not request.auth.is_full_access
        report = selectors.report_get_for_upload(user=request.user, report_id=pk, own_reports_only=intake_only)
        serializer = AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.report_attachment_add(report=report, upload=serializer.validated_data["file"],
                                                    actor=request.user)
        return Response(AttachmentSerializer(attachment, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ReportMoveApi(APIView):
    @extend_schema(
        request=ReportMoveSerializer,
        responses={
            200: OpenApiResponse(ReportSerializer, description="The report, in its new incident."),
            403: OpenApiResponse(description="You may see the report or the incident but not change them."),
            404: OpenApiResponse(description="No such report or incident, or you may not see it."),
            409: OpenApiResponse(description="Already there, the only report of its incident, another model's "
                                             "incident, or a closed or duplicate one."),
        },
        description="Moves one report by hand. It is marked `grouping_locked`: automatic grouping never moves it "
                    "back. Reports filed later keep grouping as before.",
    )
    def post(self, request, pk: int):
        selectors.report_get(user=request.user, report_id=pk)
        serializer = ReportMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_move(report_id=pk, to_incident_id=serializer.validated_data["incident"],
                                      actor=request.user)
        report = selectors.report_get(user=request.user, report_id=report.pk)
        return Response(ReportSerializer(report, context={"request": request}).data)
