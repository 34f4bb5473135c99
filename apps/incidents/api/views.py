from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.incidents import selectors, services

from .serializers import IncidentSerializer, IncidentTransitionSerializer, IncidentUpdateSerializer


class IncidentListApi(generics.ListAPIView):
    serializer_class = IncidentSerializer

    def get_queryset(self):
        return selectors.incident_list(user=self.request.user)


class IncidentDetailApi(APIView):
    def _get(self, request, pk):
        return selectors.incident_get(user=request.user, incident_id=pk)

    @extend_schema(responses=IncidentSerializer)
    def get(self, request, pk: int):
        return Response(IncidentSerializer(self._get(request, pk)).data)

    @extend_schema(request=IncidentUpdateSerializer, responses=IncidentSerializer)
    def patch(self, request, pk: int):
        selectors.incident_get_for_work(user=request.user, incident_id=pk)
        serializer = IncidentUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.incident_update(incident_id=pk, actor=request.user, **serializer.validated_data)
        return Response(IncidentSerializer(self._get(request, pk)).data)


class IncidentTransitionApi(APIView):
    @extend_schema(request=IncidentTransitionSerializer, responses={200: IncidentSerializer})
    def post(self, request, pk: int):
        selectors.incident_get_for_work(user=request.user, incident_id=pk)
        serializer = IncidentTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.incident_transition(incident_id=pk, actor=request.user, **serializer.validated_data)
        return Response(IncidentSerializer(selectors.incident_get(user=request.user, incident_id=pk)).data)
