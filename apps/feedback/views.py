"""The feedback widget's keys on the Tokens page: created and revoked here, listed by the
section that apps.feedback adds to that page (apps.accounts.token_page)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from apps.accounts.access import user_access
from apps.accounts.views import tokens_page
from apps.core.errors import DomainError
from apps.registry.selectors import model_list

from . import selectors, services
from .forms import PublishableKeyForm

SECTION = "widget-keys"


def _models_for(user) -> list[tuple[str, str]]:
    access = user_access(user)
    return [(model.name, model.display_name or model.name) for model in model_list()
            if access.can_work_on_team(model.team_id)]


def widget_keys_section(request: HttpRequest, state: dict | None) -> dict:
    """The Tokens page's "Feedback widget keys" card."""
    state = state or {}
    models = _models_for(request.user)
    return {
        "keys": selectors.publishable_keys_manageable(user=request.user),
        "form": state.get("form") or PublishableKeyForm(models=models),
        "may_create": bool(models),
        "issued": state.get("issued"),
        "script_url": f"{settings.SITE_URL}{static('widget/feedback.js')}",
    }


@login_required
@require_POST
def widget_key_create_view(request: HttpRequest) -> HttpResponse:
    form = PublishableKeyForm(request.POST, models=_models_for(request.user))
    if not form.is_valid():
        return tokens_page(request, status=400, section_states={SECTION: {"form": form}})
    try:
        issued = services.publishable_key_create(
            model_name=form.cleaned_data["model"], name=form.cleaned_data["name"],
            allowed_origins=form.cleaned_origins(), actor=request.user)
    except DomainError as error:
        for field, problems in error.errors.items():
            for problem in problems:
                form.add_error(field if field in form.fields else None, problem)
        form.add_error(None, error.detail)
        return tokens_page(request, status=error.status, section_states={SECTION: {"form": form}})
    return tokens_page(request, status=201, section_states={SECTION: {"issued": issued}})


@login_required
@require_POST
def widget_key_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    key = selectors.publishable_key_get_manageable(user=request.user, key_id=pk)
    services.publishable_key_revoke(key=key, actor=request.user)
    messages.success(request, f"Widget key '{key.name}' ({key.prefix}…) is revoked: the widget stops working now.")
    return redirect("accounts:tokens")
