from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.idempotency import run_idempotently
from apps.core.schema import problem_responses
from apps.core.throttling import INTAKE_THROTTLES
from apps.feedback import selectors, services
from apps.registry.selectors import model_get

from .serializers import FeedbackCountSerializer, FeedbackCreateSerializer, FeedbackSerializer


class FeedbackCreateApi(APIView):
    """Thumbs up/down on a logged prediction, from a widget beside the model's result."""

    throttle_classes = INTAKE_THROTTLES
    token_scopes = {"POST": "feedback:create"}

    @extend_schema(
        request=FeedbackCreateSerializer,
        responses={201: FeedbackSerializer, **problem_responses({
            403: "You (or your bot) are not in the team that owns the model: file a report instead.",
            404: "No such model.",
            422: "This Idempotency-Key was already used with another body.",
        })},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="Send the same key again to get the first response back.")],
    )
    def post(self, request):
        serializer = FeedbackCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data

        def give() -> tuple[int, dict]:
            feedback = services.feedback_give(
                model_name=data["model"], prediction_id=data["prediction_id"], verdict=data["verdict"],
                label=data.get("label"), comment=data.get("comment", ""), actor=request.user)
            return status.HTTP_201_CREATED, FeedbackSerializer(feedback, context={"request": request}).data

        status_code, body = run_idempotently(user=request.user, scope="feedback.give",
                                             key=request.headers.get("Idempotency-Key"), data=request.data,
                                             action=give)
        return Response(body, status=status_code)


class FeedbackCountsApi(APIView):
    @extend_schema(responses=FeedbackCountSerializer(many=True))
    def get(self, request, name: str):
        model = model_get(name=name)
        return Response(FeedbackCountSerializer(selectors.feedback_counts(model=model), many=True).data)
