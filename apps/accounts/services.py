from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from apps.audit.services import audit_record
from apps.core.errors import InvalidInput

from .models import ApiToken

KEY_PREFIX = "mli_"


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once, never stored


@transaction.atomic
def api_token_create(*, username: str, name: str = "default", expires_at: datetime | None = None,
                     actor=None) -> IssuedToken:
    User = get_user_model()
    try:
        user = User.objects.get(username=username)
    except User.DoesNotExist as exc:
        raise InvalidInput(f"No user named '{username}'.", errors={"username": ["Unknown user."]}) from exc
    name = (name or "default").strip()[:100]
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[: len(KEY_PREFIX) + 6], digest=token_digest(key), expires_at=expires_at
    )
    audit_record(actor=actor or user, action="api_token.create", target=token, new={"name": name})
    return IssuedToken(token=token, key=key)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", target=token, old={"active": True}, new={"active": False})
    return token
