"""Finding a post-mortem and who may do what with it: whoever may see an incident may read its
post-mortem; the owning team (and people a restricted incident names) may change it;
reviewers of the team decide."""

from __future__ import annotations

from django.db.models import QuerySet, Sum

from apps.accounts.access import user_access
from apps.actions.models import ActionItem
from apps.core.errors import Conflict, NotFound, PermissionDenied
from apps.incidents.models import Incident
from apps.incidents.selectors import ReaderLookups, incident_can_work, incident_get, incident_visibility

from ..models import (
    Postmortem,
    PostmortemStatus,
)


def postmortem_get(*, user, incident_id: int) -> Postmortem:
    incident = incident_get(user=user, incident_id=incident_id)
    postmortem = (Postmortem.objects.select_related("incident__model", "author", "approved_by", "updated_by")
                  .filter(incident=incident).first())
    if postmortem is None:
        raise NotFound(f"INC-{incident_id} has no post-mortem yet; start one with POST "
                       f"/api/v1/incidents/{incident_id}/postmortem/.")
    postmortem.incident = incident  # already read: its people and counts for the access checks
    return postmortem


def postmortem_of(*, incident) -> Postmortem | None:
    """The post-mortem of an incident the caller has already been allowed to see, if any."""
    return Postmortem.objects.select_related("author").filter(incident=incident).first()


def postmortem_get_for_export(*, user, incident_id: int) -> Postmortem:
    """A post-mortem leaves the tracker (Markdown for a wiki or a repository) only once it is
    published: until then its text is not what a reviewer approved."""
    postmortem = postmortem_get(user=user, incident_id=incident_id)
    if postmortem.status != PostmortemStatus.PUBLISHED:
        raise Conflict(f"The post-mortem of INC-{incident_id} is {postmortem.get_status_display().lower()}: only a "
                       "published post-mortem is exported. Approve and publish it first.",
                       extra={"current": postmortem.status})
    return postmortem


def postmortem_can_work(*, user, postmortem: Postmortem) -> bool:
    return incident_can_work(user=user, incident=postmortem.incident)


def postmortem_can_review(*, user, postmortem: Postmortem) -> bool:
    return user_access(user).can_review_team(postmortem.incident.model.team_id) \
        and postmortem_can_work(user=user, postmortem=postmortem)


def postmortem_revision(*, postmortem: Postmortem, items: list[ActionItem] | None = None) -> int:
    """What a meeting screen polls: a number that grows with every change to the post-mortem
    or anything in it. The post-mortem's own changes count in its `revision`; its action items
    live in the layer below and count in their own `version` (bumped by every change, 1 when
    proposed), so the sum grows whichever app made the change, without the actions app
    reaching up to touch the post-mortem. `items`: the incident's action items, when the
    caller has them."""
    if items is not None:  # the caller has read them already
        return postmortem.revision + sum(item.version for item in items)
    total = ActionItem.objects.filter(incident_id=postmortem.incident_id).aggregate(total=Sum("version"))["total"]
    return postmortem.revision + (total or 0)


def postmortem_get_for_work(*, user, incident_id: int) -> Postmortem:
    postmortem = postmortem_get(user=user, incident_id=incident_id)
    if user is not None and not postmortem_can_work(user=user, postmortem=postmortem):
        raise PermissionDenied("Only the team that owns the model and the people named on the incident may change "
                               "its post-mortem.")
    return postmortem



def incident_visibility_queryset(visible):
    return Incident.objects.filter(visible).values("pk")


def postmortem_list(*, user, lookups: ReaderLookups | None = None) -> QuerySet[Postmortem]:
    """`lookups`: the reader's (`reader_lookups`), when the caller has read them already."""
    queryset = Postmortem.objects.select_related("incident__model", "author")
    visible = incident_visibility(user, lookups)
    if visible is not None:
        queryset = queryset.filter(incident__in=incident_visibility_queryset(visible))
    return queryset.order_by("-updated_at", "-id")

