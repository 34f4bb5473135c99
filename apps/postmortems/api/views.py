"""The post-mortem API (contract: GET/PATCH /api/v1/incidents/{id}/postmortem/ with ETag and
If-Match). Views only parse, call a service or selector, and shape the answer."""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.actions.api.serializers import ActionItemProposeSerializer, ActionItemSerializer
from apps.core.errors import NotFound, PreconditionFailed, PreconditionRequired
from apps.core.schema import problem_responses
from apps.incidents.evidence import incident_evidence_add, incident_evidence_list
from apps.postmortems import selectors, services
from apps.postmortems.models import Postmortem

from .serializers import (
    EvidenceCreateSerializer,
    EvidenceSerializer,
    PostmortemSerializer,
    PostmortemTransitionSerializer,
    PostmortemUpdateSerializer,
    ReviewCommentCreateSerializer,
    ReviewCommentSerializer,
    StaleProblemSerializer,
    TimelineEntryCreateSerializer,
    TimelineItemSerializer,
    WhyDecisionSerializer,
    WhyNodeCreateSerializer,
    WhyNodeSerializer,
    WhyNodeUpdateSerializer,
)

_ETAG = re.compile(r'^(?:W/)?"pm-(\d+)-v(\d+)"$')
IF_MATCH = OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True,
                            description="The `ETag` of your last GET. A stale one is answered 412 with the current "
                                        "post-mortem; `*` means \"whatever the current version is\".")
_STALE = {(412, "application/problem+json"): OpenApiResponse(
    StaleProblemSerializer, description="Someone changed it since your GET: `current` is the post-mortem as it is "
                                        "now, `changed_by` who saved last. Nothing was written.")}
_CONFLICT = problem_responses({409: "Not allowed in the current status; `allowed_transitions` lists what is."})


def _with_etag(postmortem: Postmortem, data: dict, *, code: int = status.HTTP_200_OK) -> Response:
    response = Response(data, status=code)
    response["ETag"] = postmortem.etag
    return response


def _expected_version(request, postmortem: Postmortem, *, required: bool) -> int | None:
    """The version the client edited, from If-Match. A header that is not one of our ETags
    cannot match the current version: 412, like any stale one."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        if required:
            raise PreconditionRequired(f"Send `If-Match: {postmortem.etag}` (the ETag of your GET) so that an edit "
                                       "made since you read it is not overwritten.")
        return None
    if header == "*":
        return None
    match = _ETAG.match(header)
    if match is None or int(match.group(1)) != postmortem.pk:
        return -1
    return int(match.group(2))


def _stale_answer(request, incident_id: int, error: PreconditionFailed) -> Response:
    postmortem = selectors.postmortem_get(user=request.user, incident_id=incident_id)
    body = {"type": "https://mlincidents.dev/problems/precondition-failed", "title": error.title, "status": 412,
            "detail": error.detail, **error.extra,
            "current": _postmortem_json(request, postmortem)}
    response = _with_etag(postmortem, body, code=status.HTTP_412_PRECONDITION_FAILED)
    response.content_type = "application/problem+json"
    return response


def _postmortem_json(request, postmortem: Postmortem) -> dict:
    return PostmortemSerializer.of(selectors.postmortem_read(viewer=request.user, postmortem=postmortem)).data


def _answer(request, incident_id: int, *, code: int = status.HTTP_200_OK) -> Response:
    postmortem = selectors.postmortem_get(user=request.user, incident_id=incident_id)
    return _with_etag(postmortem, _postmortem_json(request, postmortem), code=code)


class PostmortemApi(APIView):
    @extend_schema(responses={200: PostmortemSerializer, **problem_responses(
        {404: "No such incident, you may not see it, or it has no post-mortem yet (POST starts one)."})},
        description="The whole post-mortem with its why-tree, root-cause chain, approval blockers, hints, timeline, "
                    "action items, comments and evidence. The `ETag` header (also `etag` in the body) goes back as "
                    "`If-Match` on PATCH.")
    def get(self, request, pk: int):
        return _answer(request, pk)

    @extend_schema(request=None, responses={201: PostmortemSerializer, 200: PostmortemSerializer},
                   description="Starts the incident's post-mortem (201); if it has one, answers it (200).")
    def post(self, request, pk: int):
        _, created = services.postmortem_start(incident_id=pk, actor=request.user)
        return _answer(request, pk, code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=PostmortemUpdateSerializer, parameters=[IF_MATCH], responses={
        200: PostmortemSerializer, **_STALE, **_CONFLICT,
        **problem_responses({428: "No `If-Match` header: GET first and send its ETag."})})
    def patch(self, request, pk: int):
        postmortem = selectors.postmortem_get_for_work(user=request.user, incident_id=pk)
        expected = _expected_version(request, postmortem, required=True)
        serializer = PostmortemUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            services.postmortem_update(incident_id=pk, actor=request.user, expected_version=expected,
                                       **serializer.validated_data)
        except PreconditionFailed as error:
            return _stale_answer(request, pk, error)
        return _answer(request, pk)


class PostmortemTransitionApi(APIView):
    @extend_schema(request=PostmortemTransitionSerializer, responses={
        200: PostmortemSerializer, **_STALE,
        **problem_responses({
            403: "Approving your own post-mortem (four eyes), or reviewing without the reviewer role.",
            409: "Not allowed from the current status (`allowed_transitions`), or approval is blocked "
                 "(`blockers` says what to do first)."})},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                     description="Optional: refuse the move if the post-mortem changed since.")],
        description="draft → in_review → approved → published; in_review → draft asks for changes (the note is kept "
                    "as a comment); approved → in_review reopens the review.")
    def post(self, request, pk: int):
        postmortem = selectors.postmortem_get_for_work(user=request.user, incident_id=pk)
        expected = _expected_version(request, postmortem, required=False)
        serializer = PostmortemTransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.postmortem_transition(incident_id=pk, actor=request.user, expected_version=expected,
                                           **serializer.validated_data)
        except PreconditionFailed as error:
            return _stale_answer(request, pk, error)
        return _answer(request, pk)


class PostmortemImpactApi(APIView):
    @extend_schema(request=None, responses={200: PostmortemSerializer, **_CONFLICT},
                   description="Measures the impact from the inference log: predictions (and users, where the log's "
                               "context names them) sharing the incident's pattern over the impact window. "
                               "`impact_query` says what was counted.")
    def post(self, request, pk: int):
        services.postmortem_measure_impact(incident_id=pk, actor=request.user)
        return _answer(request, pk)


def _tree_context(postmortem: Postmortem) -> dict:
    return {"chain_ids": {node.pk for node in selectors.root_cause_chain(selectors.why_nodes(postmortem=postmortem))}}


def _node_answer(request, pk: int, node_id: int, *, code: int = status.HTTP_200_OK) -> Response:
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    node = next((node for node in selectors.why_nodes(postmortem=postmortem) if node.pk == node_id), None)
    return Response(WhyNodeSerializer(node, context=_tree_context(postmortem)).data, status=code)


class WhyNodeListApi(APIView):
    @extend_schema(responses=WhyNodeSerializer(many=True))
    def get(self, request, pk: int):
        postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
        nodes = selectors.why_nodes(postmortem=postmortem)
        chain = {node.pk for node in selectors.root_cause_chain(nodes)}
        return Response(WhyNodeSerializer(nodes, many=True, context={"chain_ids": chain}).data)

    @extend_schema(request=WhyNodeCreateSerializer, responses={201: WhyNodeSerializer, **problem_responses(
        {409: "The parent is not confirmed (ask \"why?\" only of a confirmed answer), or the post-mortem is "
              "approved."})})
    def post(self, request, pk: int):
        serializer = WhyNodeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        node = services.why_node_add(incident_id=pk, actor=request.user, parent_id=data["parent"],
                                     question=data["question"], answer=data["answer"],
                                     how_to_check=data["how_to_check"], evidence_note=data["evidence_note"],
                                     evidence_ids=data["evidence"])
        return _node_answer(request, pk, node.pk, code=status.HTTP_201_CREATED)


class WhyNodeDetailApi(APIView):
    @extend_schema(responses=WhyNodeSerializer)
    def get(self, request, pk: int, node_id: int):
        postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
        if not postmortem.why_nodes.filter(pk=node_id).exists():
            raise NotFound(f"The post-mortem of INC-{pk} has no why-node {node_id}.")
        return _node_answer(request, pk, node_id)

    @extend_schema(request=WhyNodeUpdateSerializer, responses={200: WhyNodeSerializer, **problem_responses(
        {409: "The node is decided (its texts are on record) or the new parent is not confirmed.",
         412: "`If-Match` (optional, the node's `version` as \"N\") is stale."})},
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False,
                                     description="Optional: the node's `version` in quotes, e.g. \"3\".")])
    def patch(self, request, pk: int, node_id: int):
        serializer = WhyNodeUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        if "parent" in changes:
            changes["parent_id"] = changes.pop("parent")
        if "evidence" in changes:
            changes["evidence_ids"] = changes.pop("evidence")
        header = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
        expected = (int(header) if header.isdigit() and len(header) < 10 else -1) if header and header != "*" else None
        services.why_node_update(incident_id=pk, node_id=node_id, actor=request.user, expected_version=expected,
                                 **changes)
        return _node_answer(request, pk, node_id)

    @extend_schema(responses={204: None, **problem_responses(
        {409: "Checked hypotheses stay on record; a node with follow-up whys cannot go."})})
    def delete(self, request, pk: int, node_id: int):
        services.why_node_delete(incident_id=pk, node_id=node_id, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WhyNodeDecisionApi(APIView):
    @extend_schema(request=WhyDecisionSerializer, responses={200: WhyNodeSerializer, **problem_responses(
        {409: "Not allowed from the node's status (`allowed_transitions`), or follow-up whys rest on it."})})
    def post(self, request, pk: int, node_id: int):
        serializer = WhyDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.why_node_decide(incident_id=pk, node_id=node_id, actor=request.user, **serializer.validated_data)
        return _node_answer(request, pk, node_id)


class TimelineApi(APIView):
    @extend_schema(responses=TimelineItemSerializer(many=True),
                   description="Manual entries merged with what the audit trail recorded, oldest first.")
    def get(self, request, pk: int):
        postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
        items = selectors.postmortem_timeline(user=request.user, postmortem=postmortem)
        return Response(TimelineItemSerializer(items, many=True).data)

    # 409: an approved or published post-mortem's text is what was approved (the demo's history has
    # published ones, which is how Schemathesis met this answer).
    @extend_schema(request=TimelineEntryCreateSerializer,
                   responses={201: TimelineItemSerializer(many=True), **_CONFLICT})
    def post(self, request, pk: int):
        serializer = TimelineEntryCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.timeline_entry_add(incident_id=pk, actor=request.user, **serializer.validated_data)
        postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
        items = selectors.postmortem_timeline(user=request.user, postmortem=postmortem)
        return Response(TimelineItemSerializer(items, many=True).data,
                        status=status.HTTP_201_CREATED)


class TimelineEntryApi(APIView):
    @extend_schema(responses={204: None, **_CONFLICT})
    def delete(self, request, pk: int, entry_id: int):
        services.timeline_entry_delete(incident_id=pk, entry_id=entry_id, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CommentListApi(APIView):
    @extend_schema(responses=ReviewCommentSerializer(many=True))
    def get(self, request, pk: int):
        postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
        return Response(ReviewCommentSerializer(selectors.review_comments(postmortem=postmortem), many=True).data)

    @extend_schema(request=ReviewCommentCreateSerializer, responses={201: ReviewCommentSerializer})
    def post(self, request, pk: int):
        serializer = ReviewCommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        comment = services.review_comment_add(incident_id=pk, actor=request.user, section=data["section"],
                                              body=data["body"], why_node_id=data["why_node"],
                                              action_item_id=data["action_item"])
        return Response(ReviewCommentSerializer(comment).data, status=status.HTTP_201_CREATED)


class PostmortemActionItemsApi(APIView):
    @extend_schema(responses=ActionItemSerializer(many=True))
    def get(self, request, pk: int):
        postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
        return Response(ActionItemSerializer(selectors.postmortem_action_items(postmortem=postmortem), many=True).data)

    @extend_schema(request=ActionItemProposeSerializer, responses={201: ActionItemSerializer, **_CONFLICT},
                   description="Proposes an action point; a reviewer who did not propose it accepts or rejects it.")
    def post(self, request, pk: int):
        serializer = ActionItemProposeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.action_item_propose(incident_id=pk, actor=request.user, **serializer.validated_data)
        return Response(ActionItemSerializer(item).data, status=status.HTTP_201_CREATED)


class EvidenceListApi(APIView):
    @extend_schema(responses=EvidenceSerializer(many=True))
    def get(self, request, pk: int):
        return Response(EvidenceSerializer(incident_evidence_list(user=request.user, incident_id=pk),
                                           many=True).data)

    @extend_schema(request=EvidenceCreateSerializer, responses={201: EvidenceSerializer},
                   description="Attaches evidence: a report, its forensics, a replay, a drift report or an attachment "
                               "(by `ref_id`), a link (`url`) or a note. Attaching the same object again answers "
                               "the first one.")
    def post(self, request, pk: int):
        serializer = EvidenceCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence = incident_evidence_add(incident_id=pk, actor=request.user, **serializer.validated_data)
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)
