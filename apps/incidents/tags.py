"""Free tags on incidents: added and removed by whoever may change the incident, created the
first time someone types a name, merged by admins. Counted for insights and search facets."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from apps.accounts.access import user_access
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from .models import Incident, IncidentTag, SignalKind, Tag
from .selectors import incident_get_for_work, incident_visibility
from .signature import incident_signals_replace

MAX_TAG_LENGTH = 50
MAX_TAGS_PER_INCIDENT = 20
_ALLOWED = re.compile(r"^[\w][\w .:/+#-]*$")


def tag_normalise(name: str) -> str:
    """"  Checkout  Flow " → "checkout flow": one tag however people type it."""
    normalised = " ".join((name or "").split()).lower()
    if not normalised:
        raise InvalidInput("Type a tag, e.g. \"checkout\" or \"pricing launch\".", errors={"tag": ["Required."]})
    if len(normalised) > MAX_TAG_LENGTH:
        raise InvalidInput(f"A tag is at most {MAX_TAG_LENGTH} characters.",
                           errors={"tag": [f"At most {MAX_TAG_LENGTH} characters."]})
    if not _ALLOWED.match(normalised):
        raise InvalidInput("A tag starts with a letter or digit and uses letters, digits, spaces and . : / + # -",
                           errors={"tag": ["Unusual characters."]})
    return normalised


def _resolve(tag: Tag) -> Tag:
    # A merged tag is an alias: follow it to the tag that survived (merges never chain, see tag_merge).
    return tag.merged_into if tag.merged_into_id else tag


def _is_person(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _write_tag_signals(incident: Incident) -> None:
    names = list(IncidentTag.objects.filter(incident=incident).values_list("tag__name", flat=True))
    incident_signals_replace(incident_id=incident.pk, kind=SignalKind.TAG, values=names)


@transaction.atomic
def incident_tag_add(*, incident_id: int, actor, name: str) -> Tag:
    """Tags the incident with `name`, creating the tag if nobody used it before. Adding a tag the
    incident already has changes nothing."""
    incident = incident_get_for_work(user=actor, incident_id=incident_id) if actor is not None else \
        Incident.objects.get(pk=incident_id)
    normalised = tag_normalise(name)
    tag = Tag.objects.filter(name=normalised).select_related("merged_into").first()
    if tag is None:
        try:
            with transaction.atomic():
                tag = Tag.objects.create(name=normalised, created_by=actor if _is_person(actor) else None)
        except IntegrityError:  # someone created it at the same moment
            tag = Tag.objects.select_related("merged_into").get(name=normalised)
    tag = _resolve(tag)
    if IncidentTag.objects.filter(incident=incident, tag=tag).exists():
        return tag
    if IncidentTag.objects.filter(incident=incident).count() >= MAX_TAGS_PER_INCIDENT:
        raise Conflict(f"INC-{incident.pk} already has {MAX_TAGS_PER_INCIDENT} tags: remove one first.")
    IncidentTag.objects.get_or_create(incident=incident, tag=tag,
                                      defaults={"added_by": actor if _is_person(actor) else None})
    _write_tag_signals(incident)
    audit_record(actor=actor, action=AuditAction.INCIDENT_TAG_ADD, target=incident, new={"tag": tag.name})
    return tag


@transaction.atomic
def incident_tag_remove(*, incident_id: int, actor, tag_id: int) -> None:
    incident = incident_get_for_work(user=actor, incident_id=incident_id) if actor is not None else \
        Incident.objects.get(pk=incident_id)
    link = IncidentTag.objects.select_related("tag").filter(incident=incident, tag_id=tag_id).first()
    if link is None:
        raise NotFound(f"INC-{incident.pk} has no tag {tag_id}.")
    link.delete()
    _write_tag_signals(incident)
    audit_record(actor=actor, action=AuditAction.INCIDENT_TAG_REMOVE, target=incident, old={"tag": link.tag.name})


@transaction.atomic
def tag_merge(*, actor, source_id: int, into_id: int) -> Tag:
    """Admins: every incident tagged `source` is tagged `into` instead, and `source` stays as an
    alias of `into` (typing its name adds `into`). Returns `into`."""
    if actor is not None and not user_access(actor).is_admin:
        raise PermissionDenied("Only admins may merge tags.")
    if source_id == into_id:
        raise InvalidInput("Choose two different tags to merge.", errors={"into": ["Same as the tag merged."]})
    tags = {tag.pk: tag for tag in Tag.objects.select_for_update().filter(pk__in=[source_id, into_id]).order_by("pk")}
    if source_id not in tags or into_id not in tags:
        raise NotFound("One of the tags does not exist.")
    source, into = tags[source_id], tags[into_id]
    if source.merged_into_id or into.merged_into_id:
        raise Conflict("One of these tags was already merged into another: merge the tag it went into.")
    incident_ids = list(IncidentTag.objects.filter(tag=source).values_list("incident_id", flat=True))
    already = set(IncidentTag.objects.filter(tag=into, incident_id__in=incident_ids).values_list("incident_id",
                                                                                                 flat=True))
    IncidentTag.objects.filter(tag=source, incident_id__in=already).delete()
    IncidentTag.objects.filter(tag=source).update(tag=into)
    # Earlier aliases of `source` now point at `into`: an alias is never more than one step away.
    Tag.objects.filter(merged_into=source).update(merged_into=into)
    source.merged_into = into
    source.save(update_fields=["merged_into"])
    for incident in Incident.objects.filter(pk__in=incident_ids):
        _write_tag_signals(incident)
    audit_record(actor=actor, action=AuditAction.TAG_MERGE, target=into,
                 new={"merged": source.name, "into": into.name, "incidents": sorted(incident_ids)})
    return into


# --- Reads --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TagRow:
    id: int
    name: str


@dataclass(frozen=True)
class TagCount:
    id: int
    name: str
    incidents: int


def incident_tags(*, incident_ids: list[int]) -> dict[int, list[TagRow]]:
    """The tags of each incident (the caller has checked the user sees them), one query."""
    found: dict[int, list[TagRow]] = {incident_id: [] for incident_id in incident_ids}
    for incident_id, tag_id, name in (IncidentTag.objects.filter(incident_id__in=incident_ids)
                                      .values_list("incident_id", "tag_id", "tag__name").order_by("tag__name")):
        found[incident_id].append(TagRow(id=tag_id, name=name))
    return found


def tag_counts(*, user, incidents=None) -> list[TagCount]:
    """Each tag in use with the number of incidents the user may see that carry it, most used
    first (a count never includes an incident the user may not see). `incidents` narrows to a
    queryset of incidents (a filtered list)."""
    visible = incident_visibility(user)
    scope = Q() if visible is None else Q(**{"incidents__in": Incident.objects.filter(visible).values("pk")})
    if incidents is not None:
        scope &= Q(incidents__in=incidents.values("pk"))
    rows = (Tag.objects.filter(merged_into__isnull=True).filter(scope)
            .annotate(incident_count=Count("incidents", distinct=True)).filter(incident_count__gt=0)
            .order_by("-incident_count", "name").values_list("pk", "name", "incident_count"))
    return [TagCount(id=pk, name=name, incidents=count) for pk, name, count in rows]


def tag_suggestions(*, user, prefix: str = "", limit: int = 10) -> list[str]:
    """Names of tags on incidents `user` may see that start with `prefix`, for the tag field's
    suggestions (a tag only a restricted incident carries is not suggested to others)."""
    prefix = " ".join((prefix or "").split()).lower()
    tags = Tag.objects.filter(merged_into__isnull=True)
    visible = incident_visibility(user)
    on = Incident.objects.all() if visible is None else Incident.objects.filter(visible)
    tags = tags.filter(incidents__in=on.values("pk")).distinct()
    if prefix:
        tags = tags.filter(name__startswith=prefix)
    return list(tags.order_by("name").values_list("name", flat=True)[:limit])
