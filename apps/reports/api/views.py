from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import ApiToken
from apps.core.schema import problem_responses
from apps.core.throttling import INTAKE_THROTTLES
from apps.reports import selectors, services
from apps.reports.attachments import upload_request_check
from apps.reports.candidates import prediction_candidates
from apps.reports.models import Attachment

from .serializers import (
    AttachmentSerializer,
    AttachmentUploadSerializer,
    PredictionCandidatesSerializer,
    ReportMoveSerializer,
    ReportSerializer,
)


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
    def get(self, request, pk: int) -> Response:
        search = prediction_candidates(user=request.user, report_id=pk)
        return Response(PredictionCandidatesSerializer(search).data)


class ReportAttachmentListCreateApi(generics.ListAPIView):
    """A report's attachments. Upload one as `multipart/form-data` with the field `file`."""

    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser]
    throttle_classes = INTAKE_THROTTLES
    # A chat bot that filed a report may add its screenshot (to its own reports only); reading
    # files back needs full access.
    token_scopes = {"POST": "reports:create"}

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request user or path
            return Attachment.objects.none()
        return selectors.attachment_list(user=self.request.user, report_id=self.kwargs["pk"])

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer}, responses={201: AttachmentSerializer})
    def post(self, request, pk: int) -> Response:
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
    def post(self, request, pk: int) -> Response:
        selectors.report_get(user=request.user, report_id=pk)
        serializer = ReportMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = services.report_move(report_id=pk, to_incident_id=serializer.validated_data["incident"],
                                      actor=request.user)
        report = selectors.report_get(user=request.user, report_id=report.pk)
        return Response(ReportSerializer(report, context={"request": request}).data)
