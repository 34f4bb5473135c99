"""The post-mortem itself: start, edit (optimistic locking), the review pipeline, impact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import Conflict, InvalidInput, PreconditionFailed
from apps.incidents.models import Incident
from apps.incidents.selectors import incident_get_for_work

from ..field_fingerprints import fingerprint
from ..models import (
    MAX_SHORT_TEXT,
    MAX_TEXT,
    Postmortem,
    PostmortemStatus,
    ReviewComment,
    RootCauseCategory,
    Section,
)
from ..selectors import postmortem_get_for_work, transition_problem
from ._common import _check_length, _locked, _require_editable
from .factors import postmortem_signature_write

TEXT_FIELDS = ("summary", "facts", "root_cause_summary", "business_impact", "went_well", "went_wrong", "got_lucky")
COUNT_FIELDS = ("affected_predictions", "affected_users", "affected_requests")
TIME_FIELDS = ("impact_started_at", "impact_ended_at")
EDITABLE_FIELDS = (*TEXT_FIELDS, *COUNT_FIELDS, *TIME_FIELDS, "root_cause_category", "impact_query")


@transaction.atomic
def postmortem_start(*, incident_id: int, actor) -> tuple[Postmortem, bool]:
    """Starts the incident's post-mortem with its author; the second call returns the first
    one (one post-mortem per incident)."""
    incident = incident_get_for_work(user=actor, incident_id=incident_id)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    existing = Postmortem.objects.filter(incident=incident).first()
    if existing is not None:
        return existing, False
    postmortem = Postmortem.objects.create(incident=incident, author=actor, updated_by=actor,
                                           summary="", facts="")
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_START, target=postmortem, new={"status": postmortem.status})
    return postmortem, True


def _validate_changes(changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.",
                           errors={name: ["Not editable."] for name in sorted(unknown)})
    for name in TEXT_FIELDS:
        _check_length(name, changes.get(name), MAX_TEXT)
    _check_length("impact_query", changes.get("impact_query"), MAX_SHORT_TEXT)
    category = changes.get("root_cause_category")
    if category and category not in RootCauseCategory.values:
        raise InvalidInput(f"'{category}' is not a root-cause category. Use one of: "
                           f"{', '.join(RootCauseCategory.values)}.", errors={"root_cause_category": ["Unknown."]})
    for name in COUNT_FIELDS:
        value = changes.get(name)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise InvalidInput(f"`{name}` is a count: a whole number, 0 or more.", errors={name: ["Not a count."]})


@transaction.atomic
def postmortem_update(*, incident_id: int, actor, expected_version: int | None,
                      base: dict[str, str] | None = None, **changes: Any) -> Postmortem:
    """Changes the post-mortem's sections. `expected_version` is the version the editor
    started from (from If-Match or the form): if someone saved in between, nothing is written
    and PreconditionFailed carries the current version and who changed it.

    `base` (the page sends it; the API, whose contract is a plain 412, does not) holds the
    fingerprints of the fields as the editor first saw them. With it, a stale save merges: the
    fields this editor left alone are not written back, and the ones they changed are written
    unless someone else changed the same field meanwhile — only that is a conflict."""
    postmortem = _locked(incident_id=incident_id, actor=actor)
    if expected_version is not None and expected_version != postmortem.version:
        if base is None:
            raise _stale(postmortem, expected_version)
        changes = {name: value for name, value in changes.items() if fingerprint(value) != base.get(name)}
        clashing = [name for name, value in changes.items()
                    if fingerprint(getattr(postmortem, name)) not in (base.get(name), fingerprint(value))]
        if clashing:
            raise _stale(postmortem, expected_version, fields=clashing)
    _require_editable(postmortem)
    _validate_changes(changes)
    started = changes.get("impact_started_at", postmortem.impact_started_at)
    ended = changes.get("impact_ended_at", postmortem.impact_ended_at)
    if started and ended and ended < started:
        raise InvalidInput("The impact ends before it starts.", errors={"impact_ended_at": ["Before the start."]})
    old, new = {}, {}
    for name, value in changes.items():
        current = getattr(postmortem, name)
        if current != value:
            old[name], new[name] = _jsonable(current), _jsonable(value)
            setattr(postmortem, name, value)
    if not new:
        return postmortem
    postmortem.version += 1
    postmortem.revision += 1
    postmortem.updated_at = timezone.now()
    postmortem.updated_by = actor
    postmortem.save()
    if new.keys() & {"root_cause_category", "summary", "root_cause_summary"}:
        postmortem_signature_write(postmortem=postmortem)
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_UPDATE, target=postmortem, old=old, new=new)
    return postmortem


def _stale(postmortem: Postmortem, expected_version: int, *, fields: list[str] | None = None) -> PreconditionFailed:
    by = postmortem.updated_by.get_username() if postmortem.updated_by else "someone"
    same = f", in the same field{'s' if len(fields) > 1 else ''} you edited ({', '.join(fields)})" if fields else ""
    return PreconditionFailed(
        f"The post-mortem was changed by {by} since you opened it{same} (you edited version {expected_version}, it "
        f"is now version {postmortem.version}). Compare your text with theirs and save again from the current "
        "version.",
        extra={"current_version": postmortem.version, "changed_by": by, **({"fields": fields} if fields else {})})


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@transaction.atomic
def postmortem_transition(*, incident_id: int, actor, to: str, note: str = "",
                          expected_version: int | None = None) -> Postmortem:
    """draft → in_review → approved → published; in_review → draft is "changes requested" and
    approved → in_review reopens the review. Approving takes a reviewer who is not the author,
    a root-cause category, and a why-tree whose hypotheses are all checked."""
    postmortem = _locked(incident_id=incident_id, actor=actor)
    if to not in PostmortemStatus.values:
        raise InvalidInput(f"'{to}' is not a status. Use one of: {', '.join(PostmortemStatus.values)}.",
                           errors={"to": ["Unknown status."]})
    if expected_version is not None and expected_version != postmortem.version:
        raise PreconditionFailed(f"The post-mortem changed since you read it (now version {postmortem.version}).",
                                 extra={"current_version": postmortem.version})
    # The same check the page uses to offer only the moves this person may make.
    problem = transition_problem(user=actor, postmortem=postmortem, to=to)
    if problem is not None:
        raise problem
    _check_length("note", note, MAX_SHORT_TEXT)
    if to == PostmortemStatus.IN_REVIEW and postmortem.status == PostmortemStatus.DRAFT:
        postmortem.review_requested_at = timezone.now()
    if to == PostmortemStatus.APPROVED:
        postmortem.approved_by, postmortem.approved_at = actor, timezone.now()
    if to == PostmortemStatus.PUBLISHED:
        postmortem.published_at = timezone.now()
    if to == PostmortemStatus.IN_REVIEW and postmortem.status == PostmortemStatus.APPROVED:
        postmortem.approved_by, postmortem.approved_at = None, None
    old = {"status": postmortem.status}
    postmortem.status = to
    postmortem.version += 1
    postmortem.revision += 1
    postmortem.updated_at = timezone.now()
    postmortem.updated_by = actor
    postmortem.save()
    if note.strip():
        ReviewComment.objects.create(postmortem=postmortem, section=Section.SUMMARY, body=note, author=actor)
    audit_record(actor=actor, action=AuditAction.POSTMORTEM_TRANSITION, target=postmortem, old=old,
                 new={"status": to, "note": note})
    return postmortem


def postmortem_measure_impact(*, incident_id: int, actor) -> Postmortem:
    """Fills the impact counts from the inference log (see apps/postmortems/impact.py) and
    writes down the query used; people can still overwrite the numbers by hand."""
    from ..impact import impact_measure

    postmortem = postmortem_get_for_work(user=actor, incident_id=incident_id)
    _require_editable(postmortem)
    measured = impact_measure(postmortem=postmortem)
    if measured is None:
        raise Conflict("The incident has no report to measure a pattern from; enter the impact by hand.")
    return postmortem_update(
        incident_id=incident_id, actor=actor, expected_version=None, affected_predictions=measured.matching,
        affected_requests=measured.matching, affected_users=measured.users,
        impact_started_at=postmortem.impact_started_at or measured.started_at,
        impact_ended_at=postmortem.impact_ended_at or measured.ended_at, impact_query=measured.query)
