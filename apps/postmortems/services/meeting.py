"""The review meeting's presenter: one person's screen leads, the others follow it. Moving a
slide is meeting state, not a change of the post-mortem: it is not audited and does not bump the
post-mortem's revision (which would make every screen fetch its slides again)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from apps.core.errors import Conflict, InvalidInput

from ..models import MEETING_SLIDES, MeetingPresenter
from ..selectors import postmortem_get_for_work


def _check_slide(section: str) -> None:
    if not section:
        raise InvalidInput(f"Say which slide you are on: send `section`, one of: {', '.join(MEETING_SLIDES)}.",
                           errors={"section": ["Required."]})
    if section not in MEETING_SLIDES:
        shown = section if len(section) <= 40 else section[:40] + "…"
        raise InvalidInput(f"'{shown}' is not a slide of the meeting. Send `section` as one of: "
                           f"{', '.join(MEETING_SLIDES)}.",
                           errors={"section": [f"One of: {', '.join(MEETING_SLIDES)}."]})


@transaction.atomic
def postmortem_present(*, incident_id: int, actor, section: str, take_over: bool = False) -> MeetingPresenter:
    """`actor`'s screen shows `section` of the incident's post-mortem meeting, and the others
    follow it. One presenter at a time: `take_over` (the "Present" / "Take over presenting"
    button) makes `actor` the presenter whoever presented before; a plain move is refused once
    someone else has taken over, so a screen that has not noticed yet cannot take it back. Only
    people who may work on the post-mortem present; everyone who may see it follows."""
    postmortem = postmortem_get_for_work(user=actor, incident_id=incident_id)
    _check_slide(section)
    now = timezone.now()
    # Only the presenter's row: not the presenting person's user row too.
    presenter = MeetingPresenter.objects.select_for_update(of=("self",)).select_related("user").filter(
        postmortem=postmortem).first()
    if presenter is None or presenter.user_id != actor.pk:
        if not take_over:
            holder = presenter.user.get_username() if presenter else None
            raise Conflict((f"{holder} took over presenting" if holder else "Nobody is presenting any more")
                           + ": press Present to present again.", extra={"presenter": holder})
        if presenter is None:
            return MeetingPresenter.objects.create(postmortem=postmortem, user=actor, section=section,
                                                   started_at=now, moved_at=now)
        presenter.user, presenter.started_at = actor, now
    presenter.section, presenter.moved_at = section, now
    presenter.save(update_fields=["user", "section", "started_at", "moved_at"])
    return presenter


@transaction.atomic
def postmortem_stop_presenting(*, incident_id: int, actor) -> None:
    """The presenter stops: the other screens stay where they are and stop following anyone.
    Someone else's presentation is not stopped from here (take it over instead)."""
    postmortem = postmortem_get_for_work(user=actor, incident_id=incident_id)
    presenter = MeetingPresenter.objects.select_for_update().filter(postmortem=postmortem).first()
    if presenter is None:
        return
    if presenter.user_id != actor.pk:
        raise Conflict(f"{presenter.user.get_username()} is presenting, not you: take over presenting first.",
                       extra={"presenter": presenter.user.get_username()})
    presenter.delete()
