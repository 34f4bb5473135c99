"""Contributing factors in the editor's Root cause step: add, change, remove. Each POST runs one
service and goes back to the step (or answers the meeting screen's fetch)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.views.decorators.http import require_POST

from .. import forms, services
from ..models import Section
from ._common import form_data, run_action, run_form_action


@login_required
@require_POST
def factor_add_view(request, pk: int):
    return run_form_action(request, pk, forms.ContributingFactorForm(request.POST),
                           service=services.contributing_factor_add,
                           said=lambda factor: f"Contributing factor added: {factor.get_category_display()}.",
                           section=Section.ROOT_CAUSE, anchor="factors", form_name="factor_form")


@login_required
@require_POST
def factor_update_view(request, pk: int, factor_id: int):
    form = forms.ContributingFactorForm(request.POST, prefix=f"factor{factor_id}")

    def act() -> str:
        services.contributing_factor_update(incident_id=pk, factor_id=factor_id, actor=request.user,
                                            **form_data(form))
        return "Contributing factor saved."

    return run_action(request, pk, section=Section.ROOT_CAUSE, act=act, anchor=f"factor-{factor_id}")


@login_required
@require_POST
def factor_delete_view(request, pk: int, factor_id: int):
    def act() -> str:
        services.contributing_factor_delete(incident_id=pk, factor_id=factor_id, actor=request.user)
        return "Contributing factor removed."

    return run_action(request, pk, section=Section.ROOT_CAUSE, act=act, anchor="factors")
