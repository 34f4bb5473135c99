from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import NotFound
from apps.core.schema import problem_responses
from apps.registry.selectors import model_get, model_version_get
from apps.replays import selectors, services
from apps.reports.selectors import report_get

from .serializers import (
    ExpectedOutcomeSerializer,
    ReplayAcceptedSerializer,
    ReplayBatchSerializer,
    ReplayResultSerializer,
    ReplaySerializer,
    ReplayStartSerializer,
)

INLINE_RESULTS = 1000


class ReportReplayApi(APIView):
    """Replays one report: by default with the version that logged it (reproduce)."""

    @extend_schema(request=ReplayStartSerializer, responses={202: ReplayAcceptedSerializer})
    def post(self, request, pk: int):
        report = report_get(user=request.user, report_id=pk)
        serializer = ReplayStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        requested = serializer.validated_data.get("model_version")
        version = model_version_get(model=report.model, version=requested) if requested else report.model_version
        replay = services.replay_start(actor=request.user, model_version=version, reports=[report])
        return Response(ReplayAcceptedSerializer(replay).data, status=status.HTTP_202_ACCEPTED)


class ReplayBatchApi(APIView):
    @extend_schema(request=ReplayBatchSerializer, responses={
        202: ReplayAcceptedSerializer,
        **problem_responses({404: "No such model, model version or report."}),
    })
    def post(self, request):
        serializer = ReplayBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        model = model_get(name=data["model"])
        version = model_version_get(model=model, version=data["model_version"])
        reports = selectors.reports_for_batch(user=request.user, model=model, reports=data.get("reports"),
                                              incident=data.get("incident"), suite=data.get("suite"))
        replay = services.replay_start(actor=request.user, model_version=version, reports=reports,
                                       suite=data.get("suite") == "resolved")
        return Response(ReplayAcceptedSerializer(replay).data, status=status.HTTP_202_ACCEPTED)


class ReplayDetailApi(APIView):
    """The run with its counts, progress and, up to 1,000, its results; larger runs page
    through `/api/v1/replays/{id}/results/`."""

    @extend_schema(responses=ReplaySerializer)
    def get(self, request, pk: int):
        replay = selectors.replay_get(user=request.user, replay_id=pk)
        results = selectors.replay_results(replay=replay)[: INLINE_RESULTS + 1]
        results = list(results)
        body = ReplaySerializer(replay, context={"results": results[:INLINE_RESULTS]}).data
        body["results_truncated"] = len(results) > INLINE_RESULTS
        body["results_url"] = request.build_absolute_uri(f"/api/v1/replays/{replay.pk}/results/")
        return Response(body)


class ReplayResultListApi(generics.ListAPIView):
    serializer_class = ReplayResultSerializer

    def get_queryset(self):
        replay = selectors.replay_get(user=self.request.user, replay_id=self.kwargs["pk"])
        return selectors.replay_results(replay=replay)


class ReportExpectationApi(APIView):
    """The outcome the team agreed the model should give for this report's input: a
    predicate on the output. Resolved reports with one form the model's regression suite."""

    def _report(self, request, pk: int):
        return report_get(user=request.user, report_id=pk)

    @extend_schema(responses=ExpectedOutcomeSerializer)
    def get(self, request, pk: int):
        expected = selectors.expected_outcome_of(report=self._report(request, pk))
        if expected is None:
            raise NotFound(f"Report {pk} has no expected outcome yet.")
        return Response(ExpectedOutcomeSerializer(expected).data)

    @extend_schema(request=ExpectedOutcomeSerializer, responses=ExpectedOutcomeSerializer)
    def put(self, request, pk: int):
        report = self._report(request, pk)
        serializer = ExpectedOutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        expected = services.expected_outcome_set(actor=request.user, report=report, **serializer.validated_data)
        return Response(ExpectedOutcomeSerializer(expected).data)

    @extend_schema(responses={204: None})
    def delete(self, request, pk: int):
        services.expected_outcome_clear(actor=request.user, report=self._report(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)
