"""The incidents' own pages and the incident page's actions that answer with a redirect. The
incident page itself (and the console moves that may answer with it) composes apps above
incidents: it lives in apps/pages/views/incidents.py, its replay panel in apps/replays/views.py,
both routed under /incidents/ in the `incidents` namespace."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.core.errors import DomainError
from apps.core.listing import LIST_PAGE_SIZE, filters_from_form, list_page
from apps.core.page_actions import shown_on_page

from . import selectors, services
from .evidence import incident_evidence_add
from .forms import IncidentAccessForm, IncidentEvidenceForm, IncidentFilterForm, IncidentMergeForm


@login_required
def incident_list_view(request):
    models, owners, teams = selectors.incident_filter_choices(user=request.user)
    form = IncidentFilterForm(request.GET or None, models=models, owners=owners, teams=teams)
    filters, filtered = filters_from_form(form, selectors.IncidentFilters)
    context = list_page(request, selectors.incident_list_filtered(user=request.user, filters=filters),
                        per_page=LIST_PAGE_SIZE)
    context.update(form=form, filtered=filtered)
    context["page"].object_list = selectors.incident_list_rows(user=request.user,
                                                               incidents=context["page"].object_list)
    return render(request, "incidents/incident_list.html", context)


@login_required
@require_POST
def incident_access_view(request, pk: int):
    """Restrict or un-restrict, name people, set the title outsiders read — through
    incident_update (audited); a combination it refuses comes back as the reason."""
    incident = selectors.incident_get_for_work(user=request.user, incident_id=pk)
    form = IncidentAccessForm(request.POST, people=selectors.incident_people_to_name(incident=incident))
    back = redirect(reverse("incidents:detail", args=[pk]) + "#access")
    if not form.is_valid():
        messages.error(request, "; ".join(f"{form.fields[name].label if name in form.fields else 'Form'}: "
                                          f"{' '.join(errors)}" for name, errors in form.errors.items()))
        return back
    data = form.cleaned_data
    named = list(get_user_model().objects.filter(username__in=data["restricted_to"])) if data["restricted"] else []
    try:
        services.incident_update(incident_id=pk, actor=request.user, restricted=data["restricted"],
                                 restricted_to=named, public_title=data["public_title"].strip())
    except DomainError as error:
        shown_on_page(error)  # 404 / 403: the middleware's page
        messages.error(request, error.detail)
        return back
    if data["restricted"]:
        who = f"the team{', ' + ', '.join(sorted(user.get_username() for user in named)) if named else ''} and admins"
        messages.success(request, f"INC-{pk} is restricted: only {who} see it.")
    else:
        messages.success(request, f"INC-{pk} is visible to everyone signed in; outsiders read its public title.")
    return back


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
    except DomainError as error:
        shown_on_page(error)  # 404 / 403: the middleware's page
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
    except DomainError as error:
        shown_on_page(error)  # 404 / 403: the middleware's page
        messages.error(request, error.detail)
        return redirect("incidents:detail", pk)
    messages.success(request, f"INC-{pk} is merged into INC-{target.pk}: its reports are here now, and later "
                              "reports like them will come here too.")
    return redirect("incidents:detail", target.pk)
