from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.schema import problem_responses
from apps.incidents import selectors, services
from apps.incidents.similarity import similar_incidents, similarity_mark
from apps.incidents.tags import incident_tags

from .serializers import (
    IncidentDetailSerializer,
    IncidentMergeSerializer,
    IncidentSerializer,
    IncidentTransitionSerializer,
    IncidentUpdateSerializer,
    SimilarityMarkSerializer,
)


class IncidentListApi(generics.ListAPIView):
    serializer_class = IncidentSerializer

    def get_queryset(self):
        return selectors.incident_list(user=self.request.user)

    def list(self, request, *args, **kwargs):
        page = list(self.paginate_queryset(self.get_queryset()))
        context = self.get_serializer_context() | {
            "titles": selectors.incident_titles_as_seen_by(user=request.user, incidents=page),
            "versions_involved": selectors.incident_versions_involved(incidents=page)}
        return self.get_paginated_response(IncidentSerializer(page, many=True, context=context).data)


def incident_detail_body(request, pk: int) -> dict:
    """The incident as `GET /api/v1/incidents/{id}/` answers it: with its tags and the similar
    incidents the reader may see."""
    incident = selectors.incident_get(user=request.user, incident_id=pk)
    context = {"titles": selectors.incident_titles_as_seen_by(user=request.user, incidents=[incident]),
               "tags": incident_tags(incident_ids=[incident.pk])[incident.pk],
               "similar": similar_incidents(user=request.user, incident=incident)}
    return IncidentDetailSerializer(incident, context=context).data


class IncidentDetailApi(APIView):
    @extend_schema(responses=IncidentDetailSerializer)
    def get(self, request, pk: int):
        return Response(incident_detail_body(request, pk))

    @extend_schema(request=IncidentUpdateSerializer, responses=IncidentDetailSerializer)
    def patch(self, request, pk: int):
        selectors.incident_get_for_work(user=request.user, incident_id=pk)
        serializer = IncidentUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.incident_update(incident_id=pk, actor=request.user, **serializer.validated_data)
        return Response(incident_detail_body(request, pk))


class IncidentSimilarityMarkApi(APIView):
    @extend_schema(request=SimilarityMarkSerializer, responses={
        200: IncidentDetailSerializer,
        **problem_responses({403: "You may see the incident but not change it (the team marks suggestions)."})},
        description='Marks a suggested incident "similar" (kept first in the suggestions) or "not_similar" '
                    "(removed from them, on both incidents), or forgets the mark (null). Answers the incident "
                    "with its suggestions as they are now.")
    def post(self, request, pk: int):
        selectors.incident_get_for_work(user=request.user, incident_id=pk)
        serializer = SimilarityMarkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        similarity_mark(incident_id=pk, other_id=serializer.validated_data["other"], actor=request.user,
                        verdict=serializer.validated_data["verdict"])
        return Response(incident_detail_body(request, pk))


class IncidentTransitionApi(APIView):
    @extend_schema(request=IncidentTransitionSerializer, responses={
        200: IncidentSerializer,
        **problem_responses({409: "The move is not allowed from the current status; "
                                  "`allowed_transitions` lists the moves that are. Closing is refused while "
                                  "accepted action items of the post-mortem are open: `open_action_items` "
                                  "lists them."}),
    }, description="When resolving, `fixed_in_version` records the version the fix shipped in. An incident "
                   "closes only when every accepted action item of its post-mortem is done or won't do.")
    def post(self, request, pk: int):
        selectors.incident_get_for_work(user=request.user, incident_id=pk)
        serializer = IncidentTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_transition(incident_id=pk, actor=request.user, **serializer.validated_data)
        return Response(IncidentSerializer(selectors.incident_get(user=request.user, incident_id=pk),
                                           context={"request": request}).data)


class IncidentMergeApi(APIView):
    @extend_schema(
        request=IncidentMergeSerializer,
        responses={
            200: OpenApiResponse(IncidentSerializer, description="The incident merged into, now holding every report."),
            403: OpenApiResponse(description="You may see one of the incidents but not change it."),
            404: OpenApiResponse(description="No such incident, or you may not see it."),
            409: OpenApiResponse(description="Merging into itself, into a closed or duplicate incident, across "
                                             "models, or from a status that cannot become `duplicate`."),
        },
        description="Moves every report of this incident into `into` and marks this one `duplicate`. The "
                    "decision sticks: reports that would have grouped here go to `into` from now on.",
    )
    def post(self, request, pk: int):
        selectors.incident_get_for_work(user=request.user, incident_id=pk)
        serializer = IncidentMergeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = services.incident_merge(source_id=pk, target_id=serializer.validated_data["into"],
                                         actor=request.user, note=serializer.validated_data["note"])
        return Response(IncidentSerializer(selectors.incident_get(user=request.user, incident_id=target.pk),
                                           context={"request": request}).data)
