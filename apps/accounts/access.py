"""Who may see and do what, computed once per user object.

Rules (README, "Access control"):
- an **admin** (Django superuser) sees and does everything;
- a **member** of a team sees and works on everything about the models the team owns;
  a **reviewer** is a member who may also approve post-mortems and accept action points;
- a model that no team owns yet is open to every signed-in user, so that a fresh install
  works before anyone sets up teams;
- everyone signed in is a **reporter**: they file reports and see their own reports;
- a **triager** (named by an admin) also sees the Unsorted inbox — reports filed without a
  model — and assigns each a model. Admins do too.
The per-object rules (restricted incidents, reports) live in each app's selectors, built
from this."""

from __future__ import annotations

from dataclasses import dataclass

from apps.core.errors import PermissionDenied
from apps.core.people import is_admin as is_admin_person

from .models import BotAccount, Membership, TeamRole, Triager

_CACHE_ATTRIBUTE = "_mlincidents_access"


@dataclass(frozen=True)
class Access:
    user_id: int | None
    is_admin: bool
    team_ids: frozenset[int]
    reviewer_team_ids: frozenset[int]
    is_triager: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def can_work_on_team(self, team_id: int | None) -> bool:
        if not self.is_authenticated:
            return False
        return self.is_admin or team_id is None or team_id in self.team_ids

    def can_review_team(self, team_id: int | None) -> bool:
        if not self.is_authenticated:
            return False
        return self.is_admin or (team_id in self.reviewer_team_ids if team_id else bool(self.user_id))

    @property
    def can_sort(self) -> bool:
        """Sees the Unsorted inbox and assigns models to its reports."""
        return self.is_authenticated and (self.is_admin or self.is_triager)


ANONYMOUS = Access(user_id=None, is_admin=False, team_ids=frozenset(), reviewer_team_ids=frozenset())


def user_access(user) -> Access:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    roles = list(Membership.objects.filter(user=user).values_list("team_id", "role"))
    access = Access(
        user_id=user.pk,
        is_admin=is_admin_person(user),
        team_ids=frozenset(team_id for team_id, _ in roles),
        reviewer_team_ids=frozenset(team_id for team_id, role in roles if role == TeamRole.REVIEWER),
        is_triager=Triager.objects.filter(user=user).exists(),
    )
    setattr(user, _CACHE_ATTRIBUTE, access)
    return access


def forget_access(user) -> None:
    """Memberships changed: the next check reads them again."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def _is_system(actor) -> bool:
    # Management commands, beat and worker tasks act as the system, with no user.
    return actor is None


def require_work_on_model(*, actor, model, action: str) -> None:
    """Raises PermissionDenied unless `actor` may work on `model` (see the module docstring)."""
    if _is_system(actor) or user_access(actor).can_work_on_team(model.team_id):
        return
    raise PermissionDenied(f"Only members of the team that owns '{model.name}' may {action}.")


def is_bot(user) -> bool:
    """A bot account (a model service, a chat bot, a widget's backend), not a person."""
    return bool(getattr(user, "pk", None)) and BotAccount.objects.filter(user_id=user.pk).exists()


def require_bot_on_own_model(*, actor, model, action: str) -> None:
    """A bot acts through the API only on the models its team owns: its key is the team's, and
    what it may send (feedback labels, lookups) answers with the team's data. People outside the
    team may still report on a model; a bot may not. Raises PermissionDenied (403), before the
    inference log is read, so the answer says nothing about which ids exist."""
    if _is_system(actor) or not is_bot(actor) or user_access(actor).can_work_on_team(model.team_id):
        return
    raise PermissionDenied(f"This bot is not in the team that owns '{model.name}': a bot may {action} only for "
                           "its own team's models. Use a key of a bot in that team.")


def require_sort(*, actor, action: str) -> None:
    """Only admins and triagers work the Unsorted inbox."""
    if _is_system(actor) or user_access(actor).can_sort:
        return
    raise PermissionDenied(f"Only admins and the triagers they name may {action}.")


def require_review_on_model(*, actor, model, action: str) -> None:
    if _is_system(actor) or user_access(actor).can_review_team(model.team_id):
        return
    raise PermissionDenied(f"Only reviewers of the team that owns '{model.name}' may {action}.")
