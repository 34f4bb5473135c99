from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import Conflict, InvalidInput, PermissionDenied

from .access import forget_access, user_access
from .models import AccountSettings, ApiToken, BotAccount, Membership, Team, TeamRole, TokenScope, Triager

KEY_PREFIX = "mli_"


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once, never stored


def _get_user(username: str):
    User = get_user_model()
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist as exc:
        raise InvalidInput(f"No user named '{username}'.", errors={"username": ["Unknown user."]}) from exc


def _checked_scopes(scopes: Iterable[str] | None) -> list[str]:
    scopes = sorted(set(scopes or []))
    unknown = [scope for scope in scopes if scope not in TokenScope.values]
    if unknown:
        raise InvalidInput(f"Unknown token scope(s): {', '.join(unknown)}. Use: {', '.join(TokenScope.values)}.",
                           errors={"scopes": ["Unknown scope."]})
    return scopes


def _is_bot(user) -> bool:
    return BotAccount.objects.filter(user=user).exists()


def _may_issue_tokens_for(actor, user) -> bool:
    # A management command is run by whoever operates the server. Admins issue bots' tokens,
    # but never a person's: that would let them act as that person without a trace.
    if actor is None or actor.pk == user.pk:
        return True
    return user_access(actor).is_admin and _is_bot(user)


def _may_revoke_tokens_of(actor, user) -> bool:
    return actor is None or actor.pk == user.pk or user_access(actor).is_admin


@transaction.atomic
def api_token_create(*, username: str, name: str = "default", expires_at: datetime | None = None,
                     scopes: Iterable[str] | None = None, actor=None) -> IssuedToken:
    """Issues a key for `username`. Empty `scopes` is a full-access token acting with all the
    user's rights; `INTAKE_SCOPES` limits it to filing reports, logging predictions and
    feedback. People issue tokens for themselves; admins also for bot accounts."""
    user = _get_user(username)
    if not _may_issue_tokens_for(actor, user):
        raise PermissionDenied("You may only create tokens for yourself (admins: also for bot accounts).")
    if not user.is_active:
        raise InvalidInput(f"The account '{username}' is deactivated.", errors={"username": ["Deactivated."]})
    name = (name or "default").strip()[:100] or "default"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise InvalidInput("Token names must be printable text.", errors={"name": ["Control characters."]})
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("The expiry date is in the past.", errors={"expires_at": ["In the past."]})
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[: len(KEY_PREFIX) + 6], digest=token_digest(key), expires_at=expires_at,
        scopes=_checked_scopes(scopes), created_by=actor if actor is not None else None,
    )
    audit_record(actor=actor or user, action=AuditAction.API_TOKEN_CREATE, target=token,
                 new={"name": name, "user": user.get_username(), "scopes": token.scopes_label,
                      "expires_at": expires_at.isoformat() if expires_at else None})
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    if not _may_revoke_tokens_of(actor, token.user):
        raise PermissionDenied("You may only revoke your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=AuditAction.API_TOKEN_REVOKE, target=token, old={"active": True},
                     new={"active": False})
    return token


def _require_admin(actor, action: str) -> None:
    if actor is not None and not user_access(actor).is_admin:
        raise PermissionDenied(f"Only admins may {action}.")


@transaction.atomic
def bot_account_create(*, username: str, description: str = "", actor=None):
    """A user that cannot sign in with a password and acts only through its tokens."""
    _require_admin(actor, "create bot accounts")
    User = get_user_model()
    field = User._meta.get_field(User.USERNAME_FIELD)
    try:
        field.run_validators(username)
    except Exception as exc:
        raise InvalidInput(f"'{username}' is not a valid username.", errors={"username": ["Invalid."]}) from exc
    if User.objects.filter(username=username).exists():
        raise Conflict(f"There is already an account named '{username}'.", errors={"username": ["Taken."]})
    user = User(username=username)
    user.set_unusable_password()
    user.save()
    bot = BotAccount.objects.create(user=user, description=description[:200],
                                    created_by=actor if actor is not None else None)
    audit_record(actor=actor, action=AuditAction.BOT_ACCOUNT_CREATE, target=bot, new={"username": username})
    return user


@transaction.atomic
def team_create(*, slug: str, name: str, actor=None) -> Team:
    _require_admin(actor, "create teams")
    team, created = Team.objects.get_or_create(slug=slug, defaults={"name": name or slug})
    if created:
        audit_record(actor=actor, action=AuditAction.TEAM_CREATE, target=team, new={"slug": slug, "name": team.name})
    return team


@transaction.atomic
def membership_set(*, team: Team, user, role: str | None, actor=None) -> Membership | None:
    """Adds the user to the team with `role`, changes their role, or (role None) removes them."""
    _require_admin(actor, "change team membership")
    if role is not None and role not in TeamRole.values:
        raise InvalidInput(f"Unknown role '{role}'. Use one of: {', '.join(TeamRole.values)}.")
    current = Membership.objects.filter(team=team, user=user).first()
    old = {"role": current.role if current else None}
    if role is None:
        if current is not None:
            current.delete()
            audit_record(actor=actor, action=AuditAction.TEAM_MEMBER_REMOVE, target=team,
                         old={"user": user.get_username(), **old})
        forget_access(user)
        return None
    if current is None:
        current = Membership.objects.create(team=team, user=user, role=role)
    elif current.role != role:
        current.role = role
        current.save(update_fields=["role"])
    else:
        return current
    audit_record(actor=actor, action=AuditAction.TEAM_MEMBER_SET, target=team,
                 old={"user": user.get_username(), **old}, new={"user": user.get_username(), "role": role})
    forget_access(user)
    return current


@transaction.atomic
def triager_set(*, user, enabled: bool, actor=None) -> Triager | None:
    """Names `user` a triager of the Unsorted inbox (`enabled`), or stops them being one."""
    _require_admin(actor, "name triagers")
    current = Triager.objects.filter(user=user).first()
    if enabled and current is None:
        current = Triager.objects.create(user=user, named_by=actor if actor is not None else None)
        audit_record(actor=actor, action=AuditAction.TRIAGER_ADD, target=current, new={"user": user.get_username()})
    elif not enabled and current is not None:
        audit_record(actor=actor, action=AuditAction.TRIAGER_REMOVE, target=current, old={"user": user.get_username()})
        current.delete()
        current = None
    forget_access(user)
    return current


@transaction.atomic
def account_settings_update(*, user, email_report_updates: bool, actor) -> AccountSettings:
    """A person changes their own settings (an admin may change anyone's)."""
    if actor is not None and actor.pk != user.pk and not user_access(actor).is_admin:
        raise PermissionDenied("You may only change your own settings.")
    current, _ = AccountSettings.objects.select_for_update().get_or_create(user=user)
    if current.email_report_updates != email_report_updates:
        old = {"email_report_updates": current.email_report_updates}
        current.email_report_updates = email_report_updates
        current.updated_at = timezone.now()
        current.save(update_fields=["email_report_updates", "updated_at"])
        audit_record(actor=actor, action=AuditAction.ACCOUNT_SETTINGS, target=current, old=old,
                     new={"email_report_updates": email_report_updates})
    return current
