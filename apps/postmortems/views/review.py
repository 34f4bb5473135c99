"""Action points proposed in the post-mortem, their review (four eyes), and comments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST

from apps.actions import services as action_services
from apps.actions.models import ActionItem
from apps.core.errors import DomainError, NotFound

from .. import forms, selectors, services
from ..models import Section
from ..page_context import SECTIONS
from ._common import form_data, posted_put_back, run_action, run_form_action


@login_required
@require_POST
def action_propose_view(request, pk: int):
    return run_form_action(request, pk, forms.ActionItemForm(request.POST), service=services.action_item_propose,
                           said=lambda item: f"Action point AI-{item.pk} proposed: a reviewer accepts or rejects it.",
                           section=Section.ACTIONS, anchor="action-add", form_name="action_form")


@login_required
@require_POST
def action_review_view(request, pk: int, item_id: int):
    # The item must belong to this post-mortem: the URL names both.
    postmortem = selectors.postmortem_get(user=request.user, incident_id=pk)
    if not ActionItem.objects.filter(pk=item_id, incident_id=postmortem.incident_id).exists():
        raise NotFound(f"The post-mortem of INC-{pk} has no action item {item_id}.")
    form = forms.ActionReviewForm(request.POST)

    def act() -> str:
        data = form_data(form)
        item = action_services.action_item_review(item_id=item_id, actor=request.user, decision=data["decision"],
                                                  reason=data["reason"])
        return f"Action point AI-{item.pk} {item.review_state}."

    def on_error(error: DomainError) -> Callable[[dict[str, Any]], None]:
        def adjust(context: dict[str, Any]) -> None:
            context["item_failures"][item_id] = {"detail": error.detail, "data": request.POST}
        return adjust

    return run_action(request, pk, section=Section.ACTIONS, act=act, anchor=f"action-{item_id}", on_error=on_error)


@login_required
@require_POST
def comment_add_view(request, pk: int):
    form = forms.CommentForm(request.POST)
    section = request.POST.get("section") if request.POST.get("section") in SECTIONS else SECTIONS[0]

    def act() -> str:
        data = form_data(form)
        services.review_comment_add(incident_id=pk, actor=request.user, section=data["section"], body=data["body"],
                                    why_node_id=data["why_node"], action_item_id=data["action_item"])
        return "Comment added."

    return run_action(request, pk, section=section, act=act, anchor=f"comments-{section}",
                      on_error=posted_put_back(request, "comment_data"))
