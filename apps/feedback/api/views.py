import hashlib

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.authentication import ApiTokenAuthentication
from apps.accounts.permissions import TokenScopePermission
from apps.core.idempotency import run_idempotently
from apps.core.parsers import LimitedJSONParser
from apps.core.schema import problem_responses
from apps.core.throttling import INTAKE_THROTTLES
from apps.feedback import selectors, services
from apps.registry.selectors import model_get
from apps.reports.attachments import upload_request_check

from .serializers import (
    FeedbackCountSerializer,
    FeedbackCreateSerializer,
    FeedbackSerializer,
    WidgetFeedbackSerializer,
)
from .widget import WIDGET_THROTTLES, PublishableKeyAuthentication, SignedInOrWidget, from_widget


class FeedbackCreateApi(APIView):
    """Thumbs up/down on a logged prediction, from a widget beside the model's result: a
    team's bot or person (API token, session), or the embedded widget with a publishable key
    in `?key=` from one of the key's origins (JSON or a multipart form with a screenshot)."""

    authentication_classes = [PublishableKeyAuthentication, ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [SignedInOrWidget, TokenScopePermission]
    parser_classes = [LimitedJSONParser, MultiPartParser]
    token_scopes = {"POST": "feedback:create"}

    def get_throttles(self):
        return [throttle() for throttle in (WIDGET_THROTTLES if from_widget(self.request) else INTAKE_THROTTLES)]

    @extend_schema(
        request={"application/json": FeedbackCreateSerializer, "multipart/form-data": FeedbackCreateSerializer},
        responses={201: FeedbackSerializer, **problem_responses({
            401: "No credentials, or an unknown or revoked publishable key.",
            403: "You (or your bot) are not in the team that owns the model: file a report instead. Or a publishable "
                 "key from an origin not on its list, or for another model.",
            404: "No such model.",
            422: "This Idempotency-Key was already used with another body.",
        })},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="Send the same key again to get the first response back."),
                    OpenApiParameter("key", str, OpenApiParameter.QUERY, required=False,
                                     description="A publishable key (mli_pk_…): the embedded widget's credentials.")],
    )
    def post(self, request):
        upload_request_check(content_length=request.META.get("CONTENT_LENGTH"))
        serializer = FeedbackCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        widget_key = request.auth if from_widget(request) else None

        def give() -> tuple[int, dict]:
            feedback = services.feedback_give(
                model_name=data["model"], prediction_id=data["prediction_id"], verdict=data["verdict"],
                label=data.get("label"), comment=data.get("comment", ""), screenshot=data.get("screenshot"),
                actor=request.user, publishable_key=widget_key)
            # A publishable key is public: its answer names the report, never the logged output.
            shape = WidgetFeedbackSerializer if widget_key is not None else FeedbackSerializer
            return status.HTTP_201_CREATED, shape(feedback, context={"request": request}).data

        if widget_key is not None:
            status_code, body = give()  # the visitor is nobody: there is no one to keep keys for
            return Response(body, status=status_code)

        # A file is not JSON: a multipart request is remembered by its fields and the file's digest.
        screenshot = data.get("screenshot")
        remembered = request.data if screenshot is None else {
            **{name: value for name, value in data.items() if name != "screenshot"},
            "screenshot": _digest(screenshot)}
        status_code, body = run_idempotently(user=request.user, scope="feedback.give",
                                             key=request.headers.get("Idempotency-Key"), data=remembered,
                                             action=give)
        return Response(body, status=status_code)


def _digest(upload) -> str:
    sha = hashlib.sha256()
    for chunk in upload.chunks():
        sha.update(chunk)
    upload.seek(0)
    return sha.hexdigest()


class FeedbackCountsApi(APIView):
    @extend_schema(responses=FeedbackCountSerializer(many=True))
    def get(self, request, name: str):
        model = model_get(name=name)
        return Response(FeedbackCountSerializer(selectors.feedback_counts(model=model), many=True).data)
