from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from apps.core.listing import list_page

from . import selectors
from .forms import AuditSearchForm


@login_required
def audit_search_view(request):
    form = AuditSearchForm(request.GET or None, actions=selectors.audit_actions(),
                           target_types=selectors.audit_target_types())
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    events = selectors.audit_search(user=request.user, **filters)
    return render(request, "audit/audit_search.html", {"form": form, **list_page(request, events, per_page=100)},
                  status=400 if form.is_bound and form.errors else 200)
