from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import ApiToken
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
