from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.accounts.access import require_work_on_model
from apps.core.errors import DomainError, PermissionDenied

from . import selectors, services


@login_required
def model_list_view(request):
    return render(request, "registry/model_list.html", {"models": selectors.model_list()})


def _version_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 18 else None


@login_required
@require_POST
def model_surfaces_view(request, name: str):
    """The team keeps the places where people see the model's answers: add, rename or point at
    another current version, remove. The report form offers them by name."""
    model = selectors.model_get(name=name)
    require_work_on_model(actor=request.user, model=model, action="change where its answers are shown")
    action = request.POST.get("action", "add")
    surface = None
    if action in ("update", "remove"):
        surface = selectors.surface_list(model=model).filter(pk=_version_id(request.POST.get("surface", ""))).first()
        if surface is None:
            messages.error(request, "That place is no longer listed: look again.")
            return redirect(f"{reverse('registry:detail', args=[model.name])}#surfaces")
    try:
        if action == "remove":
            services.surface_remove(surface=surface, actor=request.user)
            messages.success(request, f"“{surface.name}” is no longer offered on the report form.")
        elif action == "update":
            services.surface_update(surface=surface, name=request.POST.get("name", surface.name),
                                    current_version_id=_version_id(request.POST.get("current_version", "")),
                                    actor=request.user)
            messages.success(request, f"Saved “{surface.name}”.")
        else:
            added = services.surface_add(model=model, key=request.POST.get("key", ""),
                                         name=request.POST.get("name", ""),
                                         current_version_id=_version_id(request.POST.get("current_version", "")),
                                         actor=request.user)
            messages.success(request, f"People can now choose “{added.name}” on the report form.")
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, " ".join(message for messages_ in error.errors.values() for message in messages_)
                       or error.detail)
    return redirect(f"{reverse('registry:detail', args=[model.name])}#surfaces")
