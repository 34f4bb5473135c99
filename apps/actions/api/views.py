"""The action-item (ticket) API. Views parse, call a selector or a service, and shape the answer."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.actions import selectors, services
from apps.core.schema import problem_responses

from .serializers import (
    ActionItemCommentCreateSerializer,
    ActionItemCommentSerializer,
    ActionItemFilterSerializer,
    ActionItemReviewSerializer,
    ActionItemSerializer,
    ActionItemTransitionSerializer,
    ActionItemUpdateSerializer,
    TicketDetailSerializer,
    TicketSerializer,
    TrackerExportSerializer,
)

_MAY_NOT_CHANGE = "You may see the action item but not change it: that is the owning team's and the owner's work."


class ActionItemReviewApi(APIView):
    @extend_schema(request=ActionItemReviewSerializer, responses={200: ActionItemSerializer, **problem_responses({
        403: "You proposed it (four eyes), or you are not a reviewer of the owning team.",
        409: "It was already accepted or rejected."})})
    def post(self, request, item_id: int):
        serializer = ActionItemReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.action_item_review(item_id=item_id, actor=request.user, **serializer.validated_data)
        return Response(ActionItemSerializer(item).data)


class ActionItemListApi(generics.ListAPIView):
    serializer_class = TicketSerializer

    @extend_schema(parameters=[ActionItemFilterSerializer],
                   description="The action items of the incidents you may see, soonest due first. Accepted items "
                               "are tickets; filter with `review_state=accepted` for those only.")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        # A plain dict: DRF reads a boolean missing from a query string as false, not as absent.
        filters = ActionItemFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return selectors.by_due_date(selectors.action_items_filter(
            selectors.action_item_list(user=self.request.user), **filters.validated_data)
        ).select_related("proposed_by", "reviewed_by")


class ActionItemDetailApi(APIView):
    @extend_schema(responses=TicketDetailSerializer)
    def get(self, request, item_id: int):
        return Response(TicketDetailSerializer(selectors.action_item_get(user=request.user, item_id=item_id)).data)

    @extend_schema(request=ActionItemUpdateSerializer, responses={
        200: TicketDetailSerializer,
        **problem_responses({403: _MAY_NOT_CHANGE, 409: "The action item was rejected: it stays as it was."})},
        description="Changes the owner, due date (today or later), priority, external link or (corrective items) "
                    "the version carrying the fix. Only the fields sent change. An unknown owner or a due date "
                    "in the past is a 400 naming the field.")
    def patch(self, request, item_id: int):
        selectors.action_item_get_for_work(user=request.user, item_id=item_id)
        serializer = ActionItemUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.action_item_update(item_id=item_id, actor=request.user, **serializer.validated_data)
        return Response(TicketDetailSerializer(selectors.action_item_get(user=request.user, item_id=item_id)).data)


class ActionItemTransitionApi(APIView):
    @extend_schema(request=ActionItemTransitionSerializer, responses={
        200: TicketSerializer,
        **problem_responses({403: _MAY_NOT_CHANGE,
                             409: "The move is not allowed from the current status (`allowed_transitions` lists "
                                  "those that are), or the item is not a ticket yet."})},
        description="Moves a ticket along open → in_progress → done | wont_do (reopening is explicit). `wont_do` "
                    "needs a `reason`.")
    def post(self, request, item_id: int):
        selectors.action_item_get_for_work(user=request.user, item_id=item_id)
        serializer = ActionItemTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.action_item_transition(item_id=item_id, actor=request.user, **serializer.validated_data)
        return Response(TicketSerializer(selectors.action_item_get(user=request.user, item_id=item_id)).data)


class ActionItemCommentsApi(generics.ListAPIView):
    serializer_class = ActionItemCommentSerializer

    def get_queryset(self):
        item = selectors.action_item_get(user=self.request.user, item_id=self.kwargs["item_id"])
        return selectors.action_item_comments(item=item)

    @extend_schema(request=ActionItemCommentCreateSerializer, responses={
        201: ActionItemCommentSerializer, **problem_responses({403: _MAY_NOT_CHANGE})})
    def post(self, request, item_id: int):
        selectors.action_item_get_for_work(user=request.user, item_id=item_id)
        serializer = ActionItemCommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.action_item_comment_add(item_id=item_id, actor=request.user,
                                                   **serializer.validated_data)
        return Response(ActionItemCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class ActionItemExportApi(APIView):
    @extend_schema(request=None, responses={
        202: OpenApiResponse(TrackerExportSerializer, description="Queued: the issue is created in the background; "
                                                                  "its address becomes the ticket's external link. "
                                                                  "A failure shows in the ticket's `last_export`."),
        **problem_responses({403: _MAY_NOT_CHANGE,
                             409: "No tracker is configured, the item is not a ticket, or it already links to an "
                                  "issue."})},
        description="Creates the ticket's issue in the configured external tracker (GitHub). Asking again while "
                    "an export is on its way returns that export.")
    def post(self, request, item_id: int):
        selectors.action_item_get_for_work(user=request.user, item_id=item_id)
        export = services.action_item_export_request(item_id=item_id, actor=request.user)
        return Response(TrackerExportSerializer(export).data, status=status.HTTP_202_ACCEPTED)
