"""Who a person is to the whole app, before any team: the one rule for "an admin", shared by
the access checks (apps.accounts.access) and the apps below accounts (the audit trail), so
that no lower layer imports accounts to ask it."""

from __future__ import annotations


def is_admin(user) -> bool:
    """An active, signed-in superuser: sees and may change everything."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and user.is_superuser)
