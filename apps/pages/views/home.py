"""The home page: what is going on now."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.core.charts import daily_chart
from apps.core.dates import last_days_start
from apps.incidents.models import ACTIVE_STATUSES
from apps.incidents.selectors import IncidentFilters, incident_list, incident_list_filtered, incidents_as_seen_by
from apps.registry.selectors import model_list
from apps.reports.selectors import report_list, reports_per_day

CHART_DAYS = 30


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What is going on now: the active incidents most severe first, the latest reports, the
    models, and the reports filed per day."""
    today = timezone.localdate()
    since = last_days_start(CHART_DAYS, today=today)
    active = incident_list(user=request.user).filter(status__in=ACTIVE_STATUSES)
    counts = active.order_by().aggregate(
        total=Count("pk", distinct=True),
        urgent=Count("pk", filter=Q(severity__in=["critical", "high"]), distinct=True),
        unassigned=Count("pk", filter=Q(owner__isnull=True), distinct=True))
    week = timezone.now() - timedelta(days=7)
    return render(request, "pages/home.html", {
        "models": model_list(),
        "reports": report_list(user=request.user)[:10],
        # Most severe first, then the latest reported: what a triager looks at first.
        "incidents": incidents_as_seen_by(
            user=request.user, incidents=incident_list_filtered(
                user=request.user, filters=IncidentFilters(status="active", sort="severity"))[:10]),
        "stats": {**counts, "reports_week": report_list(user=request.user).filter(created_at__gte=week).count()},
        "chart": daily_chart(title="Reports filed", noun="report", series=[("filed", "Reports")],
                             days=CHART_DAYS, today=today,
                             counts=reports_per_day(user=request.user, since=since)),
    })
