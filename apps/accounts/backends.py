"""Sign-in backends for people. A bot account acts only through its API tokens: an admin may
still give it a password (the admin's user form allows it), and without this check the bot
could then sign in and act through a session with every right of its user, outside the
scopes its tokens are limited to."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend, RemoteUserBackend


def is_bot(user) -> bool:
    # The reverse one-to-one is read from the cache when the user was loaded with
    # select_related("bot_account") (every request, see get_user), else in one query.
    return user is not None and user.pk is not None and hasattr(user, "bot_account")


class _PeopleOnly:
    def user_can_authenticate(self, user) -> bool:
        return super().user_can_authenticate(user) and not is_bot(user)

    def get_user(self, user_id):
        # A session a bot holds (from before this check) stops working at its next request;
        # the bot marker comes in the same query as the user.
        user = get_user_model()._default_manager.select_related("bot_account").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


class PeopleModelBackend(_PeopleOnly, ModelBackend):
    """Django's username-and-password sign-in, refused to bots whatever their password."""


class PeopleRemoteUserBackend(_PeopleOnly, RemoteUserBackend):
    """Sign-in by an authenticating proxy's header, refused to bots as well."""
