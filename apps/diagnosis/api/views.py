from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.reports.selectors import report_get

from .. import selectors, services
from .serializers import DiagnosisSerializer, IncidentDiagnosisSerializer


class ReportDiagnosisApi(APIView):
    """A report's differential diagnosis: ranked hypotheses with the checks behind each. POST
    recomputes it (the model's team)."""

    @extend_schema(responses=DiagnosisSerializer)
    def get(self, request, pk: int):
        return Response(selectors.report_diagnosis_get(user=request.user, report_id=pk).as_json())

    @extend_schema(request=None, responses={202: DiagnosisSerializer})
    def post(self, request, pk: int):
        report = report_get(user=request.user, report_id=pk)
        services.diagnosis_request(report=report, actor=request.user)
        return Response(selectors.diagnosis_of(user=request.user, report=report).as_json(),
                        status=status.HTTP_202_ACCEPTED)


class IncidentDiagnosisApi(APIView):
    """The diagnoses of an incident's reports, by kind: how many reports support each."""

    @extend_schema(responses=IncidentDiagnosisSerializer)
    def get(self, request, pk: int):
        return Response(selectors.incident_diagnosis_get(user=request.user, incident_id=pk).as_json())
