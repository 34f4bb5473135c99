from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import NotFound
from apps.core.schema import problem_responses
from apps.forensics import selectors, services
from apps.forensics.models import DriftReport
from apps.registry.selectors import model_get, model_version_get
from apps.reports.selectors import report_get

from .serializers import DriftReportSerializer, DriftRequestSerializer, ReportForensicsSerializer

_QUEUED = inline_serializer("ForensicsQueued", {"id": serializers.IntegerField(), "status": serializers.CharField()})


class DriftReportListCreateApi(generics.ListAPIView):
    """Drift reports of the models you work on; `?model=NAME` narrows the list."""

    serializer_class = DriftReportSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DriftReport.objects.none()
        name = self.request.query_params.get("model")
        model = model_get(name=name) if name else None
        return selectors.drift_report_list(user=self.request.user, model=model)

    @extend_schema(parameters=[OpenApiParameter("model", str, required=False)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=DriftRequestSerializer,
                   responses={202: _QUEUED, **problem_responses({404: "No such model or model version."})})
    def post(self, request):
        serializer = DriftRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        model = model_get(name=data["model"])
        version = model_version_get(model=model, version=data["model_version"])
        drift = services.drift_report_request(model_version=version, actor=request.user, start=data.get("from"),
                                              end=data.get("to"))
        return Response({"id": drift.pk, "status": drift.status}, status=status.HTTP_202_ACCEPTED)


class DriftReportDetailApi(APIView):
    @extend_schema(responses=DriftReportSerializer)
    def get(self, request, pk: int):
        drift = selectors.drift_report_get(user=request.user, drift_report_id=pk)
        return Response(DriftReportSerializer(drift, context={"request": request}).data)


class ReportForensicsApi(APIView):
    """A report's cached forensics (attribution, similar training rows, prevalence in the log);
    POST recomputes them. Team work."""

    @extend_schema(responses=ReportForensicsSerializer)
    def get(self, request, pk: int):
        report = report_get(user=request.user, report_id=pk)
        forensics = selectors.report_forensics_for(user=request.user, report=report)
        if forensics is None:
            raise NotFound(f"Report {pk} has no forensics you may see.")
        return Response(ReportForensicsSerializer(forensics).data)

    @extend_schema(request=None, responses={202: _QUEUED})
    def post(self, request, pk: int):
        report = report_get(user=request.user, report_id=pk)
        forensics = services.report_forensics_request(report=report, actor=request.user)
        return Response({"id": report.pk, "status": forensics.status}, status=status.HTTP_202_ACCEPTED)
