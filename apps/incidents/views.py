from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.actions.selectors import ticket_summary
from apps.audit.selectors import audit_events_for
from apps.core.errors import DomainError, NotFound, PermissionDenied
from apps.core.listing import LIST_PAGE_SIZE, list_page
from apps.postmortems.selectors import postmortem_of
from apps.reports.selectors import report_list

from . import selectors, services
from .evidence import incident_evidence_add, incident_evidence_list
from .forms import IncidentEvidenceForm, IncidentMergeForm
from .models import INCIDENT_TRANSITIONS, IncidentStatus


@login_required
def incident_list_view(request):
    context = list_page(request, selectors.incident_list(user=request.user), per_page=LIST_PAGE_SIZE)
    context["page"].object_list = selectors.incidents_as_seen_by(user=request.user,
                                                                 incidents=context["page"].object_list)
    return render(request, "incidents/incident_list.html", context)


@login_required
def incident_detail_view(request, pk: int):
    incident = selectors.incident_get(user=request.user, incident_id=pk)
    can_work = selectors.incident_can_work(user=request.user, incident=incident)
    reports = report_list(user=request.user).filter(incident=incident)
    candidates = selectors.incident_merge_candidates(user=request.user, incident=incident) if can_work else []
    return render(request, "incidents/incident_detail.html", {
        "incident": incident,
        "reports": reports,
        "allowed_transitions": INCIDENT_TRANSITIONS.allowed_from(incident.status),
        "events": audit_events_for(target=incident)[:50],
        "model_versions": selectors.incident_versions_involved(incidents=[incident])[incident.pk],
        "can_work": can_work,
        "outside_title": selectors.incident_neutral_title(incident),
        "candidates": candidates,
        "can_merge": bool(candidates) and INCIDENT_TRANSITIONS.can_move(incident.status, IncidentStatus.DUPLICATE),
        # Moving an incident's only report would leave it empty: people merge the incident instead.
        "can_move_reports": can_work and incident.report_count > 1,
        "postmortem": postmortem_of(incident=incident),
        "evidence": incident_evidence_list(user=request.user, incident_id=incident.pk),
        "ticket_summary": ticket_summary(incident_id=incident.pk),
    })


@login_required
@require_POST
def incident_evidence_add_view(request, pk: int):
    """Attaches a link, a note, or (from the post-mortem's facts) a report or replay."""
    form = IncidentEvidenceForm(request.POST)
    back = (redirect(reverse("postmortems:editor", args=[pk]) + "?section=facts#evidence-list")
            if request.POST.get("return_to") == "postmortem" else redirect(reverse("incidents:detail", args=[pk])
                                                                            + "#evidence"))
    if not form.is_valid():
        messages.error(request, "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()))
        return back
    try:
        evidence = incident_evidence_add(incident_id=pk, actor=request.user, **form.cleaned_data)
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.detail)
        return back
    messages.success(request, f"Evidence attached: {evidence.title}")
    return back


@login_required
@require_POST
def incident_merge_view(request, pk: int):
    selectors.incident_get_for_work(user=request.user, incident_id=pk)
    form = IncidentMergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the incident to merge this one into.")
        return redirect("incidents:detail", pk)
    try:
        target = services.incident_merge(source_id=pk, target_id=form.cleaned_data["into"], actor=request.user,
                                         note=form.cleaned_data["note"])
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        messages.error(request, error.detail)
        return redirect("incidents:detail", pk)
    messages.success(request, f"INC-{pk} is merged into INC-{target.pk}: its reports are here now, and later "
                              "reports like them will come here too.")
    return redirect("incidents:detail", target.pk)
