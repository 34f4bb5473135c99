"""The review meeting: its agenda and who presents it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from apps.incidents.selectors import incident_visibility, incidents_as_seen_by

from ..models import (
    MeetingPresenter,
    Postmortem,
    PostmortemStatus,
)
from .access import incident_visibility_queryset

# A presenter who has not moved a slide for this long has left the meeting (closed the laptop
# without pressing Stop): screens opened later must not jump to where that meeting ended.
PRESENTER_IDLE = timedelta(hours=2)


@dataclass(frozen=True)
class PresenterView:
    """Who presents the meeting now and on which slide, as the meeting screen polls it."""

    username: str
    section: str
    moved_at: datetime
    you: bool  # the person asking is the presenter

    def as_json(self) -> dict[str, Any]:
        return {"username": self.username, "section": self.section, "moved_at": self.moved_at.isoformat(),
                "you": self.you}


def meeting_presenter(*, user, postmortem: Postmortem) -> PresenterView | None:
    """The presenter of `postmortem`'s review meeting, for someone already allowed to see it;
    None when nobody presents (or the last presenter went idle)."""
    row = (MeetingPresenter.objects.select_related("user")
           .filter(postmortem=postmortem, moved_at__gte=timezone.now() - PRESENTER_IDLE).first())
    if row is None:
        return None
    return PresenterView(username=row.user.get_username(), section=row.section, moved_at=row.moved_at,
                         you=row.user_id == getattr(user, "pk", None))


def postmortem_agenda(*, user) -> QuerySet[Postmortem]:
    """The post-mortems waiting for review that the user may see, in the order they were sent
    for review (a reopened approval keeps its first place): a review meeting's agenda."""
    queryset = Postmortem.objects.filter(status=PostmortemStatus.IN_REVIEW).select_related("incident__model", "author")
    visible = incident_visibility(user)
    if visible is not None:
        queryset = queryset.filter(incident__in=incident_visibility_queryset(visible))
    return queryset.order_by(F("review_requested_at").asc(nulls_first=True), "id")


def postmortem_agenda_as_seen_by(*, user, limit: int = 100) -> list[Postmortem]:
    """The agenda's first post-mortems, their incidents titled as `user` may read them."""
    agenda = list(postmortem_agenda(user=user)[:limit])
    incidents_as_seen_by(user=user, incidents=[postmortem.incident for postmortem in agenda])
    return agenda

