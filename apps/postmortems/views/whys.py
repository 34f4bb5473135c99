"""The why-tree: adding hypotheses, checking them, citing evidence, removing unchecked ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.incidents.evidence import incident_evidence_list

from .. import forms, services
from ..models import Section, WhyStatus
from ._common import form_data, form_put_back, run_action


def _node_failure(node_id: int | None, action: str, data) -> Callable[[DomainError], Callable]:
    def on_error(error: DomainError) -> Callable[[dict[str, Any]], None]:
        def adjust(context: dict[str, Any]) -> None:
            context["node_failures"][node_id] = {"action": action, "detail": error.detail, "data": data}
        return adjust
    return on_error


@login_required
@require_POST
def why_add_view(request, pk: int):
    form = forms.WhyNodeForm(request.POST)
    parent_id = form.data.get("parent") or None

    def act() -> str:
        data = form_data(form)
        node = services.why_node_add(incident_id=pk, actor=request.user, parent_id=data["parent"],
                                     question=data["question"], answer=data["answer"],
                                     how_to_check=data["how_to_check"])
        return f"Hypothesis #{node.pk} added. Now check it: can it be true? How could you find out?"

    def on_error(error: DomainError) -> Callable[[dict[str, Any]], None]:
        if parent_id and str(parent_id).isdigit():
            return _node_failure(int(parent_id), "child", request.POST)(error)
        return form_put_back("why_form", form)(error)

    return run_action(request, pk, section=Section.WHYS, act=act, anchor="why-tree", on_error=on_error)


@login_required
@require_POST
def why_decide_view(request, pk: int, node_id: int):
    form = forms.WhyDecisionForm(request.POST)

    def act() -> str:
        data = form_data(form)
        node = services.why_node_decide(incident_id=pk, node_id=node_id, actor=request.user, status=data["status"],
                                        note=data["note"])
        if node.status == WhyStatus.PROPOSED:
            return f"Hypothesis #{node.pk} is unchecked again."
        return f"Hypothesis #{node.pk} is {node.status}."

    return run_action(request, pk, section=Section.WHYS, act=act, anchor=f"why-{node_id}",
                on_error=_node_failure(node_id, "decide", request.POST))


@login_required
@require_POST
def why_evidence_view(request, pk: int, node_id: int):
    evidence = incident_evidence_list(user=request.user, incident_id=pk)
    form = forms.WhyEvidenceForm(request.POST, evidence_choices=evidence)

    def act() -> str:
        data = form_data(form)
        services.why_node_update(incident_id=pk, node_id=node_id, actor=request.user,
                                 evidence_ids=data["evidence"], evidence_note=data["evidence_note"])
        return f"Evidence of hypothesis #{node_id} saved."

    return run_action(request, pk, section=Section.WHYS, act=act, anchor=f"why-{node_id}",
                on_error=_node_failure(node_id, "evidence", request.POST))


@login_required
@require_POST
def why_delete_view(request, pk: int, node_id: int):
    def act() -> str:
        services.why_node_delete(incident_id=pk, node_id=node_id, actor=request.user)
        return f"Hypothesis #{node_id} removed."

    return run_action(request, pk, section=Section.WHYS, act=act, anchor="why-tree")


@login_required
@require_POST
def why_draft_view(request, pk: int):
    """Draft the whys from the diagnosis: the leading hypotheses as proposed nodes."""

    def act() -> str:
        return services.why_nodes_draft_from_diagnosis(incident_id=pk, actor=request.user).message

    return run_action(request, pk, section=Section.WHYS, act=act, anchor="why-tree")
