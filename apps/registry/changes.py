"""Change events: what changed around a model and when. Pipelines record deploys, feature-pipeline
changes, backfills and flags (`change_event_record`, behind `POST /api/v1/changes/`); a version
registration is a change too, read from `ModelVersion` rather than copied (one source of truth).
`changes_between` lists both kinds as one read model, for the model page, incident timelines
and suspects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import require_bot_on_own_model, require_work_on_model, user_access
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput, PermissionDenied
from apps.core.request_context import current_request_context

from .models import ChangeEvent, ChangeKind, Model, ModelVersion

MAX_DESCRIPTION = 2000
# Clocks of pipelines and of this server differ a little; a change "in the future" beyond this
# is a mistake (a wrong time zone, milliseconds read as seconds), not skew.
CLOCK_SKEW = timedelta(minutes=5)
# What kind a version registration shows as: not in the recordable vocabulary, since it is
# derived, never posted.
VERSION_KIND = "version"


def _is_person_or_bot(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _check_link(link: str) -> str:
    link = (link or "").strip()
    if not link:
        return ""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput("`link` must be an http(s) address, e.g. https://ci.example.com/deploys/412.",
                           errors={"link": ["Not an http(s) address."]})
    if len(link) > 2000:
        raise InvalidInput("`link` is longer than 2,000 characters.", errors={"link": ["At most 2,000 characters."]})
    return link


def _check_at(at: datetime | None, now: datetime) -> datetime:
    if at is None:
        return now
    if timezone.is_naive(at):
        raise InvalidInput("Give `at` with its UTC offset, e.g. 2026-11-23T09:30:00+01:00 or …Z.",
                           errors={"at": ["Needs a UTC offset."]})
    if at > now + CLOCK_SKEW:
        raise InvalidInput(f"`at` ({at.isoformat()}) is in the future: record a change when it has happened. "
                           "Check the time zone of the sending clock.", errors={"at": ["In the future."]})
    return at


def _require_may_record(*, actor, model: Model | None) -> None:
    action = "record its change events"
    if model is not None:
        require_work_on_model(actor=actor, model=model, action=action)
        require_bot_on_own_model(actor=actor, model=model, action=action)
        return
    if actor is None:  # the system (a command)
        return
    access = user_access(actor)
    if not (access.is_admin or access.team_ids):
        raise PermissionDenied("Only members of a team may record a change that is not about one model. "
                               "Name the `model` it changed, or ask an admin to add you to a team.")


@transaction.atomic
def change_event_record(*, actor, kind: str, description: str, model: Model | None = None,
                        at: datetime | None = None, link: str = "") -> ChangeEvent:
    """Records a change (a deploy, a pipeline change, a flag…). `at` defaults to now; it must be
    aware and not in the future. Team members, or a bot of the model's team."""
    if kind not in ChangeKind.values:
        raise InvalidInput(f"'{kind}' is not a kind of change. Use one of: {', '.join(ChangeKind.values)}. "
                           "(Version registrations are recorded by registering the version.)",
                           errors={"kind": ["Unknown kind."]})
    description = (description or "").strip()
    if not description:
        raise InvalidInput("Say what changed in `description`, e.g. \"price feature now in cents\".",
                           errors={"description": ["Required."]})
    if len(description) > MAX_DESCRIPTION:
        limit = f"{MAX_DESCRIPTION:,}"
        raise InvalidInput(f"`description` is {len(description):,} characters long; keep it under {limit}.",
                           errors={"description": [f"At most {limit} characters."]})
    at = _check_at(at, timezone.now())
    link = _check_link(link)
    _require_may_record(actor=actor, model=model)
    event = ChangeEvent.objects.create(
        model=model, kind=kind, description=description, at=at, link=link,
        recorded_by=actor if _is_person_or_bot(actor) else None,
        recorded_via=current_request_context().token_label[:100])
    audit_record(actor=actor, action=AuditAction.CHANGE_RECORD, target=event,
                 new={"kind": kind, "model": model.name if model else None, "at": at.isoformat(),
                      "description": description[:200], "link": link})
    return event


# --- Reads --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChangeRow:
    """One change as pages and the API show it: a recorded event or a version registration."""

    kind: str  # a ChangeKind value, or "version"
    kind_label: str
    description: str
    at: datetime
    model_name: str | None
    link: str
    recorded_by: str  # a username, or "" for the system
    event_id: int | None = None  # the ChangeEvent's id; None for a version registration
    version: str | None = None  # the registered version, for kind "version"

    @property
    def is_version(self) -> bool:
        return self.kind == VERSION_KIND


def _visible_models_q(user, prefix: str) -> Q | None:
    """A model's changes are team work (like its inference log); None means all."""
    access = user_access(user)
    if access.is_admin:
        return None
    if not access.is_authenticated:
        return Q(pk__in=[])
    return Q(**{f"{prefix}team__isnull": True}) | Q(**{f"{prefix}team_id__in": access.team_ids})


def _version_row(version: ModelVersion) -> ChangeRow:
    return ChangeRow(kind=VERSION_KIND, kind_label="Version registered",
                     description=f"Version {version.version} of {version.model.name} was registered.",
                     at=version.created_at, model_name=version.model.name,
                     link=reverse("registry:detail", args=[version.model.name]),
                     recorded_by=version.registered_by.get_username() if version.registered_by else "",
                     version=version.version)


def change_row(event: ChangeEvent) -> ChangeRow:
    return ChangeRow(kind=event.kind, kind_label=event.get_kind_display(), description=event.description,
                     at=event.at, model_name=event.model.name if event.model else None, link=event.link,
                     recorded_by=event.recorded_by.get_username() if event.recorded_by else "", event_id=event.pk)


def changes_between(*, user, model: Model | None = None, since: datetime | None = None,
                    until: datetime | None = None, limit: int = 50,
                    include_platform: bool = True) -> list[ChangeRow]:
    """Changes the user may see, newest first: the recorded events of `model` (plus, with
    `include_platform`, those about no model) and its version registrations, within
    [since, until]. Without `model`, every model the user works on."""
    events = ChangeEvent.objects.select_related("model", "recorded_by")
    versions = ModelVersion.objects.select_related("model", "registered_by")
    visible = _visible_models_q(user, "model__")
    if visible is not None:
        events = events.filter(visible | Q(model__isnull=True))
        versions = versions.filter(visible)
    if model is not None:
        mine = Q(model=model) | Q(model__isnull=True) if include_platform else Q(model=model)
        events = events.filter(mine)
        versions = versions.filter(model=model)
    elif not include_platform:
        events = events.filter(model__isnull=False)
    if since is not None:
        events, versions = events.filter(at__gte=since), versions.filter(created_at__gte=since)
    if until is not None:
        events, versions = events.filter(at__lte=until), versions.filter(created_at__lte=until)
    rows = ([change_row(event) for event in events.order_by("-at", "-id")[:limit]]
            + [_version_row(version) for version in versions.order_by("-created_at", "-id")[:limit]])
    rows.sort(key=lambda row: row.at, reverse=True)
    return rows[:limit]
