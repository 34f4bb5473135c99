from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.accounts.access import user_access
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput
from apps.notifications.services import OPENED, RESOLVED, incident_notify_on_commit
from apps.registry.models import Model

from .models import INCIDENT_TRANSITIONS, Incident, IncidentStatus, Severity
from .selectors import incident_get_for_work

MAX_NOTE_LENGTH = 10_000


def incident_open(*, model: Model, title: str, severity: str = Severity.MEDIUM, actor=None) -> Incident:
    """Opens a new incident. Grouping of similar reports into one incident comes later; for now
    each report opens its own."""
    incident = Incident.objects.create(model=model, title=title[:200], severity=severity)
    audit_record(actor=actor, action="incident.open", target=incident, new={"status": incident.status})
    incident_notify_on_commit(incident=incident, event=OPENED)
    return incident


@transaction.atomic
def incident_transition(*, incident_id: int, to: str, actor, note: str = "") -> Incident:
    incident = _locked_for_work(incident_id=incident_id, actor=actor)
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
    if to == IncidentStatus.RESOLVED:
        incident_notify_on_commit(incident=incident, event=RESOLVED)
    return incident


def _locked_for_work(*, incident_id: int, actor) -> Incident:
    if actor is not None:
        incident_get_for_work(user=actor, incident_id=incident_id)
    return Incident.objects.select_for_update().select_related("model").get(pk=incident_id)


def _usernames(users) -> list[str]:
    return sorted(user.get_username() for user in users)


def _update_restriction(incident: Incident, *, actor, changes: dict, old: dict, new: dict) -> None:
    restricted = changes.pop("restricted", incident.restricted)
    named = changes.pop("restricted_to", None)
    current_named = list(incident.restricted_to.all())
    if named is None:
        named = current_named
    named = list({user.pk: user for user in named}.values())
    if restricted and actor is not None and not user_access(actor).is_admin \
            and incident.model.team_id not in user_access(actor).team_ids and actor not in named:
        # Restricting an incident must not lock out the person who does it.
        named.append(actor)
    if restricted != incident.restricted:
        old["restricted"], new["restricted"] = incident.restricted, restricted
        incident.restricted = restricted
    if _usernames(named) != _usernames(current_named):
        old["restricted_to"], new["restricted_to"] = _usernames(current_named), _usernames(named)
        incident.restricted_to.set(named)


@transaction.atomic
def incident_update(*, incident_id: int, actor, **changes) -> Incident:
    """Changes the title, severity, owner, and who may see the incident (`restricted`, and
    `restricted_to`: the people named besides the owning team)."""
    incident = _locked_for_work(incident_id=incident_id, actor=actor)
    editable = {"title", "severity", "owner", "restricted", "restricted_to"}
    unknown = set(changes) - editable
    if unknown:
        raise InvalidInput(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    old = {}
    new = {}
    _update_restriction(incident, actor=actor, changes=changes, old=old, new=new)
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
