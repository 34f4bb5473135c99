"""One rule for "an admin", shared by the access checks and the audit trail."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.audit.selectors import audit_search
from apps.core.errors import PermissionDenied
from apps.core.people import is_admin
from tests.accounts.factories import UserFactory, admin_user

pytestmark = pytest.mark.django_db


def test_only_an_active_superuser_is_an_admin():
    admin = admin_user(username="root")
    assert is_admin(admin)
    admin.is_active = False
    assert not is_admin(admin)
    assert not is_admin(UserFactory()) and not is_admin(AnonymousUser()) and not is_admin(None)


def test_a_deactivated_admin_cannot_search_the_audit_trail():
    admin = admin_user(username="root")
    assert audit_search(user=admin).count() >= 0
    admin.is_active = False
    with pytest.raises(PermissionDenied):
        audit_search(user=admin)
