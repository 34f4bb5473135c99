from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.core.errors import NotFound

from .access import user_access
from .models import AccountSettings, ApiToken, BotAccount, Membership
from .services import token_digest

# Writing last_used_at on every request would turn each read into a write.
_LAST_USED_GRANULARITY = timedelta(minutes=5)


def api_token_authenticate(key: str) -> ApiToken | None:
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
    now = timezone.now()
    if token is None or not token.is_active(now) or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_tokens_manageable(*, user) -> QuerySet[ApiToken]:
    """The user's own tokens; for admins also every bot account's."""
    queryset = ApiToken.objects.select_related("user", "user__bot_account", "created_by")
    if user_access(user).is_admin:
        return queryset.filter(Q(user=user) | Q(user__bot_account__isnull=False))
    return queryset.filter(user=user)


def api_token_get_manageable(*, user, token_id: int) -> ApiToken:
    token = api_tokens_manageable(user=user).filter(pk=token_id).first()
    if token is None:
        raise NotFound(f"There is no token {token_id}, or you may not manage it.")
    return token


def bot_accounts(*, user) -> QuerySet[BotAccount]:
    if not user_access(user).is_admin:
        return BotAccount.objects.none()
    return BotAccount.objects.select_related("user").order_by("user__username")


def teams_of(*, user) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("team")


def team_people(*, team_id: int | None, also: Iterable[int | None] = ()) -> list:
    """The people who can be handed work on a team's model — its active members, not bot
    accounts (a bot files reports; nobody hands it an incident or a ticket) — plus the users in
    `also` (the current owner, so saving a form does not drop them; the person at the keyboard
    when they may work on it). By username. Two queries."""
    ids = set(Membership.objects.filter(team_id=team_id, user__is_active=True, user__bot_account__isnull=True)
              .values_list("user_id", flat=True)) if team_id else set()
    ids |= {user_id for user_id in also if user_id}
    return list(get_user_model().objects.filter(pk__in=ids).order_by("username"))


def account_settings_of(*, user) -> AccountSettings:
    """The person's settings, or the defaults (unsaved) when they never changed any."""
    return AccountSettings.objects.filter(user=user).first() or AccountSettings(user=user)


def people_wanting_report_update_emails(*, user_ids: Iterable[int]) -> QuerySet:
    """Of these people: the active ones, not bots, with an e-mail address, who did not switch
    report e-mails off."""
    return (get_user_model().objects.filter(pk__in=list(user_ids), is_active=True, bot_account__isnull=True)
            .exclude(email="").exclude(account_settings__email_report_updates=False))
