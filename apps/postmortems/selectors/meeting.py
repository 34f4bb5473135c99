"""The review meeting: its agenda and who presents it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F, QuerySet
from django.utils import timezone

from apps.incidents.selectors import incident_titles_as_seen_by, incident_visibility

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


@dataclass(frozen=True)
class AgendaEntry:
    """One post-mortem on the meeting's agenda, its incident titled as the reader may read it."""

    incident_id: int
    incident_title: str
    model: str
    author: str  # "" when nobody is recorded
    review_requested_at: datetime | None
    updated_at: datetime


def postmortem_agenda_entries(*, user, limit: int = 100) -> list[AgendaEntry]:
    """The agenda's first post-mortems as the agenda page lists them."""
    agenda = list(postmortem_agenda(user=user)[:limit])
    titles = incident_titles_as_seen_by(user=user, incidents=[postmortem.incident for postmortem in agenda])
    return [AgendaEntry(incident_id=postmortem.incident_id, incident_title=titles[postmortem.incident_id],
                        model=str(postmortem.incident.model),
                        author=str(postmortem.author) if postmortem.author else "",
                        review_requested_at=postmortem.review_requested_at, updated_at=postmortem.updated_at)
            for postmortem in agenda]
