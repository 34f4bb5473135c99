"""The incident console: what the incident page offers a person right now — the status moves
the state machine allows (as buttons named after the moves), and who the owner may be. One
read model, built by `incident_console`, for the page and its in-place (htmx) fragments."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.accounts.selectors import team_people
from apps.registry.selectors import model_version_list

from .models import INCIDENT_TRANSITIONS, Incident, IncidentStatus, Severity
from .selectors import incident_can_work, incident_merge_candidates


@dataclass(frozen=True)
class MoveKind:
    to: str
    label: str  # the button's accessible name (contract: DESIGN.md, "incident page buttons")
    note_label: str
    note_help: str
    secondary: bool = False  # moves that end the incident without fixing it


# In the order a person reads them: forward along the pipeline, then reopening, then the endings.
MOVES: dict[str, MoveKind] = {move.to: move for move in [
    MoveKind(IncidentStatus.TRIAGED, "Triage", "Note (optional)", "What you found when you looked at the reports."),
    MoveKind(IncidentStatus.INVESTIGATING, "Start investigating", "Note (optional)", "What you will look at first."),
    MoveKind(IncidentStatus.MITIGATED, "Mark mitigated", "Note (optional)",
             "What limits the damage for now (a rollback, a flag, a filter)."),
    MoveKind(IncidentStatus.RESOLVED, "Resolve", "What fixed it (optional)",
             "Reports from the fix's version or a later one will reopen the incident as a regression."),
    MoveKind(IncidentStatus.CLOSED, "Close", "Note (optional)",
             "Closing needs every accepted action item done or won't do."),
    MoveKind(IncidentStatus.OPEN, "Reopen", "Why it is reopened (optional)",
             "A recorded fix version is forgotten: it did not hold."),
    MoveKind(IncidentStatus.DECLINED, "Decline", "Explanation the reporters will read",
             "Why this is expected behaviour. Every reporter sees this on their report.", secondary=True),
    MoveKind(IncidentStatus.DUPLICATE, "Mark duplicate", "Note (optional)",
             "Its reports move to the incident you choose, and later reports like them go there too.",
             secondary=True),
]}


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass
class IncidentConsole:
    can_work: bool
    moves: list[MoveKind] = field(default_factory=list)
    severities: list[Choice] = field(default_factory=list)
    owners: list[Choice] = field(default_factory=list)
    versions: list[Choice] = field(default_factory=list)  # newest first: the likely fix is recent
    duplicate_targets: list[Choice] = field(default_factory=list)
    can_assign_to_me: bool = False


def incident_owner_candidates(*, incident: Incident, user) -> list:
    """Who may own the incident: the owning team's members (people, not bots); the current owner stays listed
    (so saving the form does not drop them), and so does the person at the keyboard when they
    may work on it (an admin, a person a restricted incident names)."""
    at_keyboard = user.pk if user.is_authenticated and incident_can_work(user=user, incident=incident) else None
    return team_people(team_id=incident.model.team_id, also=(incident.owner_id, at_keyboard))


def incident_console(*, user, incident: Incident, can_work: bool | None = None) -> IncidentConsole:
    """What `user` may do to `incident` from its page now. People who may not change it get
    the status only (no moves, no pickers)."""
    if can_work is None:
        can_work = incident_can_work(user=user, incident=incident)
    if not can_work:
        return IncidentConsole(can_work=False)
    allowed = set(INCIDENT_TRANSITIONS.allowed_from(incident.status))
    targets = [Choice(str(other.pk), f"INC-{other.pk} {other.title}"[:90])
               for other in incident_merge_candidates(user=user, incident=incident)]
    # A duplicate points at the incident it duplicates: with none to choose, the move is not offered.
    moves = [move for move in MOVES.values() if move.to in allowed and (move.to != IncidentStatus.DUPLICATE or targets)]
    owners = incident_owner_candidates(incident=incident, user=user)
    return IncidentConsole(
        can_work=True,
        moves=moves,
        severities=[Choice(value, label) for value, label in Severity.choices],
        owners=[Choice(owner.get_username(), owner.get_username()) for owner in owners],
        versions=[Choice(version.version, version.version) for version in model_version_list(model=incident.model)],
        duplicate_targets=targets,
        can_assign_to_me=incident.owner_id != user.pk,
    )
