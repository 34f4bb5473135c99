from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.schema import problem_responses

from ..read_models import InsightsFilters
from ..selectors import insights_for
from .serializers import InsightsQuerySerializer, InsightsSerializer


class InsightsApi(APIView):
    @extend_schema(parameters=[InsightsQuerySerializer], responses={200: InsightsSerializer, **problem_responses({
        400: "A date that does not parse, or `since` after `until`."})},
        description="The insights page's figures over the incidents you may see: per week, medians, rates, "
                    "breakdowns and what is owed. Every figure carries the address of the incidents behind it.")
    def get(self, request):
        query = InsightsQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        insights = insights_for(user=request.user, filters=InsightsFilters(**query.validated_data))
        return Response(InsightsSerializer(insights).data)
