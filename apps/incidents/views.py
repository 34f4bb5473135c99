from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from apps.audit.selectors import audit_events_for
from apps.reports.selectors import report_list

from . import selectors
from .models import INCIDENT_TRANSITIONS


@login_required
def incident_list_view(request):
    return render(request, "incidents/incident_list.html",
                  {"incidents": selectors.incident_list(user=request.user)[:200]})


@login_required
def incident_detail_view(request, pk: int):
    incident = selectors.incident_get(user=request.user, incident_id=pk)
    return render(request, "incidents/incident_detail.html", {
        "incident": incident,
        "reports": report_list(user=request.user).filter(incident=incident),
        "allowed_transitions": INCIDENT_TRANSITIONS.allowed_from(incident.status),
        "events": audit_events_for(target=incident)[:50],
    })
