from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from apps.core.listing import filters_from_form
from apps.incidents.selectors import incident_filter_choices

from .export import insights_csv
from .forms import InsightsFilterForm
from .page import insights_charts
from .read_models import InsightsFilters
from .selectors import insights_for


def _filtered(request) -> tuple[InsightsFilterForm, InsightsFilters, bool]:
    models, _owners, teams = incident_filter_choices(user=request.user)
    form = InsightsFilterForm(request.GET or None, models=models, teams=teams)
    filters, filtered = filters_from_form(form, InsightsFilters)
    return form, filters, filtered


@login_required
def insights_view(request):
    form, filters, filtered = _filtered(request)
    insights = insights_for(user=request.user, filters=filters)
    return render(request, "insights/insights.html", {
        "form": form, "filtered": filtered, "insights": insights, "charts": insights_charts(insights),
        "query": request.GET.urlencode()})


@login_required
def insights_csv_view(request):
    _form, filters, _filtered_ = _filtered(request)
    insights = insights_for(user=request.user, filters=filters)
    response = HttpResponse(insights_csv(insights), content_type="text/csv; charset=utf-8")
    name = f"insights-{insights.since:%Y%m%d}-{insights.until:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
