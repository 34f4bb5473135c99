from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.errors import InvalidInput
from apps.registry.models import Model

from .models import INCIDENT_TRANSITIONS, Incident, IncidentStatus, Severity

MAX_NOTE_LENGTH = 10_000


def incident_open(*, model: Model, title: str, severity: str = Severity.MEDIUM, actor=None) -> Incident:
    """Opens a new incident. Grouping of similar reports into one incident comes later; for now
    each report opens its own."""
    incident = Incident.objects.create(model=model, title=title[:200], severity=severity)
    audit_record(actor=actor, action="incident.open", target=incident, new={"status": incident.status})
    return incident


@transaction.atomic
def incident_transition(*, incident_id: int, to: str, actor, note: str = "") -> Incident:
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    if to not in IncidentStatus.values:
        raise InvalidInput(f"'{to}' is not a status. Use one of: {', '.join(IncidentStatus.values)}.",
                           errors={"to": ["Unknown status."]})
    INCIDENT_TRANSITIONS.check(incident.status, to)
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"The note is longer than {MAX_NOTE_LENGTH} characters.", errors={"note": ["Too long."]})
    if to == IncidentStatus.DECLINED and not note.strip():
        raise InvalidInput("Say why this is expected behaviour: the reporters will see the explanation.",
                           errors={"note": ["Required when declining."]})
    old = incident.status
    incident.status = to
    if note:
        incident.resolution_note = note
    incident.updated_at = timezone.now()
    incident.save(update_fields=["status", "resolution_note", "updated_at"])
    audit_record(actor=actor, action="incident.transition", target=incident,
                 old={"status": old}, new={"status": to, "note": note})
    return incident


@transaction.atomic
def incident_update(*, incident_id: int, actor, **changes) -> Incident:
    incident = Incident.objects.select_for_update().get(pk=incident_id)
    editable = {"title", "severity", "owner"}
    unknown = set(changes) - editable
    if unknown:
        raise InvalidInput(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    old = {}
    new = {}
    for field_name, value in changes.items():
        current = getattr(incident, field_name)
        if current != value:
            old[field_name] = str(current) if current is not None else None
            new[field_name] = str(value) if value is not None else None
            setattr(incident, field_name, value)
    if new:
        incident.updated_at = timezone.now()
        incident.save()
        audit_record(actor=actor, action="incident.update", target=incident, old=old, new=new)
    return incident
