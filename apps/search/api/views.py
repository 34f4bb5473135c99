"""GET /api/v1/search/?q=… (contract): `{"count", "results": [{"type", "id", "title", "url",
"snippet", "score"}]}`, paginated, with `next`, `previous` and the facets beside them."""

from __future__ import annotations

from django.core.paginator import InvalidPage
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.errors import NotFound
from apps.core.schema import problem_responses

from ..engine import SearchFilters
from ..selectors import search
from .serializers import SearchPageSerializer, SearchQuerySerializer


class SearchApi(APIView):
    @extend_schema(parameters=[SearchQuerySerializer], responses={200: SearchPageSerializer, **problem_responses({
        400: "`q` is missing, empty or longer than 200 characters, or a filter has an unknown value.",
        404: "The page is past the last one."})},
        description="Reports, incidents, post-mortems (summary, facts, whys, lessons, impact) and action items "
                    "(with their comments) that match the words, best first — only what you may see, counted "
                    "only over what you may see.")
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        text, page_number = data.pop("q"), data.pop("page")
        filters = SearchFilters(**data)
        try:
            results = search(user=request.user, text=text, filters=filters, page_number=page_number,
                             strict_page=True)
        except InvalidPage:
            raise NotFound(f"There is no page {page_number} of these results.") from None
        page = results.page
        body = {
            "count": results.count,
            "next": self._page_link(request, page.next_page_number()) if page.has_next() else None,
            "previous": self._page_link(request, page.previous_page_number()) if page.has_previous() else None,
            "results": list(page.object_list),
            "facets": {facet.name: facet.options for facet in results.facets},
        }
        return Response(SearchPageSerializer(body).data)

    @staticmethod
    def _page_link(request, number: int) -> str:
        query = request.GET.copy()
        query["page"] = str(number)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
