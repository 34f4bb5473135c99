from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from apps.accounts.access import user_access
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import Conflict, InvalidInput
from apps.registry.models import Model, ModelVersion

from . import hooks
from .hooks import status_change_announce_on_commit
from .models import ACTIVE_STATUSES, INCIDENT_TRANSITIONS, FingerprintRoute, Incident, IncidentStatus, Severity
from .report_fingerprint import Fingerprint
from .selectors import incident_get, incident_get_for_work
from .signature import incident_own_signals_write, incident_signals_absorb

MAX_NOTE_LENGTH = 10_000
_REOPENED_FROM = {IncidentStatus.RESOLVED, IncidentStatus.CLOSED}


def incident_open(*, model: Model, title: str, severity: str = Severity.MEDIUM, actor=None,
                  fingerprint: Fingerprint | None = None, follows: Incident | None = None) -> Incident:
    """Opens a new incident; `fingerprint` is what grouped its first report, `follows` the
    closed incident with the same fingerprint that it succeeds, if any."""
    incident = Incident.objects.create(
        model=model, title=title[:200], severity=severity,
        fingerprint=fingerprint.key if fingerprint else "",
        fingerprint_label=fingerprint.label[:500] if fingerprint else "",
    )
    new = {"status": incident.status}
    if follows is not None:
        new["follows"] = follows.pk
    audit_record(actor=actor, action=AuditAction.INCIDENT_OPEN, target=incident, new=new)
    incident_own_signals_write(incident=incident, pattern=fingerprint.pattern if fingerprint else "")
    hooks.incident_announce_on_commit(incident=incident, event=hooks.OPENED)
    return incident


def incident_version(*, incident: Incident, version: str) -> ModelVersion:
    """One of the incident's model's versions, by its version string; a 400 naming the field
    otherwise (the incident exists, so a 404 would mislead)."""
    found = ModelVersion.objects.filter(model_id=incident.model_id, version=version).first()
    if found is None:
        message = f"Model '{incident.model.name}' has no version '{version}'."
        raise InvalidInput(message, errors={"fixed_in_version": [message]})
    return found


@transaction.atomic
def incident_transition(*, incident_id: int, to: str, actor, note: str = "",
                        fixed_in_version: str | None = None) -> Incident:
    """Moves an incident along its state machine. When resolving, `fixed_in_version` records
    the version the fix shipped in. Reopening forgets it: that fix did not hold."""
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
    if to == IncidentStatus.CLOSED:
        _require_action_items_finished(incident)
    if fixed_in_version and to != IncidentStatus.RESOLVED:
        raise InvalidInput("The version a fix shipped in is given when resolving (or with PATCH).",
                           errors={"fixed_in_version": ["Only when moving to 'resolved'."]})
    old = {"status": incident.status}
    new = {"status": to, "note": note}
    if fixed_in_version:
        old["fixed_in_version"] = _version_label(incident.fixed_in_version)
        incident.fixed_in_version = incident_version(incident=incident, version=fixed_in_version)
        new["fixed_in_version"] = incident.fixed_in_version.version
    elif to == IncidentStatus.OPEN and incident.status in _REOPENED_FROM and incident.fixed_in_version_id:
        old["fixed_in_version"], new["fixed_in_version"] = _version_label(incident.fixed_in_version), None
        incident.fixed_in_version = None
    if to == IncidentStatus.OPEN and incident.merged_into_id:
        # Reopening a duplicate by hand undoes the merge: its fingerprint comes home again.
        old["merged_into"], new["merged_into"] = incident.merged_into_id, None
        incident.merged_into = None
    incident.updated_at = timezone.now()
    if to == IncidentStatus.RESOLVED:  # the latest resolution counts (lists, insights, policies)
        incident.resolved_at = incident.updated_at
    elif to == IncidentStatus.OPEN and incident.status in _REOPENED_FROM:
        incident.reopened_count += 1
    incident.status = to
    if note:
        incident.resolution_note = note
    incident.save(update_fields=["status", "resolution_note", "fixed_in_version", "merged_into", "updated_at",
                                 "resolved_at", "reopened_count"])
    audit_record(actor=actor, action=AuditAction.INCIDENT_TRANSITION, target=incident, old=old, new=new)
    status_change_announce_on_commit(incident=incident, old=old["status"])
    if to == IncidentStatus.RESOLVED:
        hooks.incident_announce_on_commit(incident=incident, event=hooks.RESOLVED)
    return incident


def _require_action_items_finished(incident: Incident) -> None:
    """Closing the loop: an incident closes only when every accepted action item of its
    post-mortem is done or won't-do. Without a post-mortem there are none, and nothing changes.
    Action items sit above incidents: the actions app answers through `incident_close_asked`."""
    blocking = hooks.incident_close_blockers(incident=incident)
    if not blocking:
        return
    listed = "; ".join(f"AI-{item.id} “{item.title}” ({item.status_label.lower()})" for item in blocking[:10])
    more = f" and {len(blocking) - 10} more" if len(blocking) > 10 else ""
    raise Conflict(
        f"INC-{incident.pk} cannot close while {len(blocking)} accepted action item"
        f"{'s are' if len(blocking) != 1 else ' is'} still open: {listed}{more}. Mark each done, or won't do with a "
        "reason.",
        extra={"current": incident.status,
               "allowed_transitions": [status for status in INCIDENT_TRANSITIONS.allowed_from(incident.status)
                                       if status != IncidentStatus.CLOSED],
               "open_action_items": [{"id": item.id, "title": item.title, "status": item.status,
                                      "owner": item.owner,
                                      "due_date": item.due_date.isoformat() if item.due_date else None}
                                     for item in blocking]})


def _version_label(version: ModelVersion | None) -> str | None:
    return version.version if version is not None else None


def _locked_for_work(*, incident_id: int, actor) -> Incident:
    if actor is not None:
        incident_get_for_work(user=actor, incident_id=incident_id)
    # Only the incident's row: FOR UPDATE over the join would lock its model too, and closing one
    # incident would hold up work on every other incident of that model.
    return incidents_locked().select_related("model").get(pk=incident_id)


def _usernames(users) -> list[str]:
    return sorted(user.get_username() for user in users)


def _update_restriction(incident: Incident, *, actor, changes: dict, old: dict, new: dict) -> None:
    restricted = changes.pop("restricted", incident.restricted)
    named = changes.pop("restricted_to", None)
    changes_named = named is not None
    current_named = list(incident.restricted_to.all())
    if named is None:
        named = current_named
    named = list({user.pk: user for user in named}.values())
    if not restricted:
        if changes_named and named:
            raise InvalidInput("Only a restricted incident names the people who may see it: set restricted to "
                               "true, or leave restricted_to empty.",
                               errors={"restricted_to": ["Only with restricted: true."]})
        # Lifting the restriction ends what it granted: the people named for it keep only
        # what every signed-in user has.
        named = []
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
    """Changes the title, the title shown outside the team (`public_title`; "" for the
    neutral "Incident #12 on model"), severity, owner, who may see the incident (`restricted`, and
    `restricted_to`: the people named besides the owning team), and the version the fix
    shipped in (`fixed_in_version`: a version string of the incident's model, or None)."""
    incident = _locked_for_work(incident_id=incident_id, actor=actor)
    editable = {"title", "public_title", "severity", "owner", "restricted", "restricted_to", "fixed_in_version"}
    unknown = set(changes) - editable
    if unknown:
        raise InvalidInput(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    if isinstance(changes.get("fixed_in_version"), str):
        changes["fixed_in_version"] = incident_version(incident=incident, version=changes["fixed_in_version"])
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
        if new.keys() & {"title", "public_title"}:
            incident_own_signals_write(incident=incident)
        audit_record(actor=actor, action=AuditAction.INCIDENT_UPDATE, target=incident, old=old, new=new)
    return incident


# --- Grouping: which incident a new report joins, and merges by hand --------------------------

class Placement(StrEnum):
    """What grouping did with a new report (kept in the report's audit event)."""

    OPENED = "opened"  # no incident had this fingerprint (or it was closed): a new one
    ATTACHED = "attached"  # joined the active incident with this fingerprint
    REGRESSION = "regression"  # its resolved incident reopens: the fix did not hold for this version
    KNOWN_FIXED = "known_fixed"  # resolved, and the report comes from a version before the fix
    DECLINED = "declined"  # joined an incident declined as expected behaviour; stays declined


@dataclass(frozen=True)
class Grouped:
    incident: Incident
    placement: Placement


def version_at_or_after(version: ModelVersion, reference: ModelVersion) -> bool:
    """Versions are ordered by when they were registered, ties broken by id: version strings
    follow no common scheme ("1.10" vs "1.9", "2024.06", "canary"), registration order does."""
    return (version.created_at, version.pk) >= (reference.created_at, reference.pk)


def incidents_locked() -> QuerySet[Incident]:
    """Incidents, locked for this transaction: only their own rows (the related rows joined in
    for reading are not locked, and PostgreSQL refuses FOR UPDATE on an outer join's side)."""
    return Incident.objects.select_for_update(of=("self",))


def _route_locked(*, model: Model, key: str) -> FingerprintRoute | None:
    return FingerprintRoute.objects.select_for_update().filter(model=model, fingerprint=key).first()


def _home_locked(incident_id: int) -> Incident:
    """The incident a route points at, following merges to where the reports went."""
    incident = incidents_locked().select_related("fixed_in_version").get(pk=incident_id)
    seen = {incident.pk}
    while incident.status == IncidentStatus.DUPLICATE and incident.merged_into_id \
            and incident.merged_into_id not in seen:
        incident = incidents_locked().select_related("fixed_in_version").get(pk=incident.merged_into_id)
        seen.add(incident.pk)
    return incident


def incident_group_report(*, model: Model, version: ModelVersion | None, fingerprint: Fingerprint, title: str,
                          severity: str, actor) -> Grouped:
    """Chooses the incident for a new report with this fingerprint; called by `report_create`
    inside its transaction. Race-safe: the (model, fingerprint) route row is created under a
    unique constraint and locked, so concurrent reports with one fingerprint queue up behind
    each other and join one incident. Locks are taken route first, then incidents, by every
    writer that takes both.

    - an active incident (open … mitigated): the report joins it;
    - resolved: a report from the version the fix shipped in or a later one (or with no fix
      version recorded) reopens it as a regression; an older version's report joins it quietly;
    - declined: joins it — the behaviour was judged expected, and the reporter sees why;
    - closed, or a duplicate nobody merged anywhere: a new incident opens and takes the route.
    A merged-away incident's reports go where it was merged (`merged_into`)."""
    route = _route_locked(model=model, key=fingerprint.key)
    if route is None:
        try:
            with transaction.atomic():  # a savepoint: losing the race must not undo the caller's work
                incident = incident_open(model=model, title=title, severity=severity, actor=actor,
                                         fingerprint=fingerprint)
                FingerprintRoute.objects.create(model=model, fingerprint=fingerprint.key, incident=incident)
            return Grouped(incident, Placement.OPENED)
        except IntegrityError:
            # Another report with this fingerprint created the route first; it is committed now.
            route = _route_locked(model=model, key=fingerprint.key)
            if route is None:
                raise
    incident = _home_locked(route.incident_id)
    if incident.status in ACTIVE_STATUSES:
        return Grouped(incident, Placement.ATTACHED)
    if incident.status == IncidentStatus.RESOLVED:
        fixed = incident.fixed_in_version
        # A report with no known version (its model has none registered) is taken at its word.
        if fixed is None or version is None or version_at_or_after(version, fixed):
            return Grouped(incident, Placement.REGRESSION)
        return Grouped(incident, Placement.KNOWN_FIXED)
    if incident.status == IncidentStatus.DECLINED:
        return Grouped(incident, Placement.DECLINED)
    successor = incident_open(model=model, title=title, severity=severity, actor=actor, fingerprint=fingerprint,
                              follows=incident)
    route.incident = successor
    route.updated_at = timezone.now()
    route.save(update_fields=["incident", "updated_at"])
    return Grouped(successor, Placement.OPENED)


def incident_regroup_report(*, current: Incident, alone: bool, model: Model, version: ModelVersion | None,
                            fingerprint: Fingerprint, title: str, severity: str, actor) -> Grouped:
    """Where a report goes when what is known about it changed (its logged prediction was
    linked): its fingerprint changed from the one that placed it in `current`. Same locks and
    order as `incident_group_report`. A report `alone` in an active incident that no other
    incident has this fingerprint for keeps its incident, which takes the new fingerprint;
    otherwise it is grouped like a new report, and an incident it leaves empty is folded into
    where it went (`incident_fold_empty`)."""
    route = _route_locked(model=model, key=fingerprint.key)
    if route is None and alone and current.status in ACTIVE_STATUSES:
        try:
            with transaction.atomic():
                FingerprintRoute.objects.create(model=model, fingerprint=fingerprint.key, incident=current)
        except IntegrityError:
            pass  # another report took this fingerprint first: group with it
        else:
            Incident.objects.filter(pk=current.pk).update(fingerprint=fingerprint.key,
                                                          fingerprint_label=fingerprint.label[:500],
                                                          updated_at=timezone.now())
            return Grouped(incidents_locked().get(pk=current.pk), Placement.ATTACHED)
    return incident_group_report(model=model, version=version, fingerprint=fingerprint, title=title,
                                 severity=severity, actor=actor)


def incident_fold_empty(*, incident_id: int, into: Incident, actor) -> Incident | None:
    """An incident whose only report was regrouped elsewhere becomes a duplicate of where it
    went, so that its route follows (like a merge). Left as it is when it still has reports or
    its state does not allow the move (a person is working on it)."""
    incident = incidents_locked().get(pk=incident_id)
    if incident.reports.exists() or not INCIDENT_TRANSITIONS.can_move(incident.status, IncidentStatus.DUPLICATE):
        return None
    old = {"status": incident.status}
    incident.status = IncidentStatus.DUPLICATE
    incident.merged_into = into
    incident.updated_at = timezone.now()
    incident.save(update_fields=["status", "merged_into", "updated_at"])
    audit_record(actor=actor, action=AuditAction.INCIDENT_FOLD, target=incident, old=old,
                 new={"status": incident.status, "merged_into": into.pk})
    return incident


def incident_reopen_for_regression(*, incident: Incident, report, actor=None) -> Incident:
    """A resolved incident's bug came back in `report` (from the fix's version or later).
    Called by `report_create` in its transaction, with the incident locked; the system acts
    (the reporter need not be allowed to change incidents)."""
    INCIDENT_TRANSITIONS.check(incident.status, IncidentStatus.OPEN)
    old = {"status": incident.status, "fixed_in_version": _version_label(incident.fixed_in_version)}
    status_was = incident.status
    incident.status = IncidentStatus.OPEN
    incident.fixed_in_version = None
    incident.reopened_count += 1
    incident.regression_count += 1
    incident.updated_at = timezone.now()
    incident.save(update_fields=["status", "fixed_in_version", "updated_at", "reopened_count", "regression_count"])
    audit_record(actor=actor, action=AuditAction.INCIDENT_REGRESSION, target=incident, old=old, new={
        "status": incident.status, "report": report.pk,
        "model_version": report.model_version.version if report.model_version_id else None})
    status_change_announce_on_commit(incident=incident, old=status_was)
    hooks.incident_announce_on_commit(incident=incident, event=hooks.REOPENED)
    return incident


def incident_check_destination(*, incident: Incident) -> None:
    """Reports may be merged or moved into any incident that still takes reports."""
    if incident.status == IncidentStatus.CLOSED:
        raise Conflict(f"INC-{incident.pk} is closed: reopen it first, or choose another incident.")
    if incident.status == IncidentStatus.DUPLICATE:
        where = f" into INC-{incident.merged_into_id}" if incident.merged_into_id else ""
        raise Conflict(f"INC-{incident.pk} is a duplicate{where}: choose the incident it duplicates.")


def _locked_pair(first_id: int, second_id: int) -> dict[int, Incident]:
    # Always in id order, so two merges of the same pair cannot deadlock.
    return {incident.pk: incident for incident in
            incidents_locked().select_related("model").filter(pk__in=[first_id, second_id]).order_by("pk")}


@transaction.atomic
def incident_merge(*, source_id: int, target_id: int, actor, note: str = "") -> Incident:
    """Moves every report of `source` into `target` and marks `source` a duplicate of it.
    The decision sticks: reports that would have grouped into `source` go to `target` from now
    on, and the moved reports are marked as placed by hand. Returns the target."""
    if actor is not None:
        # Not seeing either one answers 404 before being unable to change the other answers 403.
        for incident_id in (source_id, target_id):
            incident_get(user=actor, incident_id=incident_id)
        for incident_id in (source_id, target_id):
            incident_get_for_work(user=actor, incident_id=incident_id)
    if source_id == target_id:
        raise Conflict("An incident cannot be merged into itself.")
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"The note is longer than {MAX_NOTE_LENGTH} characters.", errors={"note": ["Too long."]})
    locked = _locked_pair(source_id, target_id)
    source, target = locked[source_id], locked[target_id]
    if source.model_id != target.model_id:
        raise Conflict(f"INC-{source.pk} is about '{source.model.name}' and INC-{target.pk} about "
                       f"'{target.model.name}': only incidents of the same model can be merged.")
    incident_check_destination(incident=target)
    INCIDENT_TRANSITIONS.check(source.status, IncidentStatus.DUPLICATE)

    moved = sorted(source.reports.values_list("pk", flat=True))
    source.reports.update(incident=target, grouping_locked=True)
    now = timezone.now()
    old_status = source.status
    source.status = IncidentStatus.DUPLICATE
    source.merged_into = target
    if note:
        source.resolution_note = note
    source.updated_at = now
    source.save(update_fields=["status", "merged_into", "resolution_note", "updated_at"])
    target.updated_at = now
    target.save(update_fields=["updated_at"])
    audit_record(actor=actor, action=AuditAction.INCIDENT_TRANSITION, target=source, old={"status": old_status},
                 new={"status": source.status, "merged_into": target.pk,
                      "note": note or f"Merged into INC-{target.pk}: its reports moved there."})
    incident_signals_absorb(source_id=source.pk, target_id=target.pk)
    audit_record(actor=actor, action=AuditAction.INCIDENT_MERGE, target=target,
                 new={"merged": source.pk, "reports": moved})
    return target
