"""`Idempotency-Key` handling for intake endpoints: the same key returns the first response
and creates nothing; the same key with another body is refused (422). Keys live 24 hours."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from .errors import DomainError, InvalidInput
from .models import IdempotencyRecord

KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 200


class IdempotencyKeyReused(DomainError):
    status = 422
    title = "Idempotency key reused"
    slug = "idempotency-key-reused"


def request_fingerprint(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _live(*, user, scope: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """The committed answer for this key, if it has not expired; 422 when the body differs."""
    record = IdempotencyRecord.objects.filter(
        user=user, scope=scope, key=key, created_at__gte=timezone.now() - KEY_LIFETIME
    ).first()
    if record is not None and record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request body; use a new key for a new request.",
            errors={"Idempotency-Key": ["Already used with another body."]},
        )
    return record


def run_idempotently(*, user, scope: str, key: str | None, data: Any,
                     action: Callable[[], tuple[int, dict]]) -> tuple[int, dict]:
    """Runs `action` (which returns status and body) at most once per key.

    The (user, scope, key) row is claimed before the action runs, in the same transaction as what
    the action writes, so a crash leaves neither or both. A concurrent request with the same key
    blocks on that uncommitted row (the unique index makes it wait) until the first one commits,
    then returns its answer, or claims the key itself if the first one rolled back (a refused
    request does not burn the key). Only an expired row is ever replaced: deleting the row
    unconditionally let a retry wipe the winner's just-committed answer and do the work again."""
    if not key:
        return action()
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"The Idempotency-Key is longer than {MAX_KEY_LENGTH} characters.",
                           errors={"Idempotency-Key": ["Too long."]})
    fingerprint = request_fingerprint(data)
    # Two tries: the second covers a row that expired between our claim and our read of it.
    for _ in range(2):
        if (record := _live(user=user, scope=scope, key=key, fingerprint=fingerprint)) is not None:
            return record.status_code, record.body
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.filter(user=user, scope=scope, key=key,
                                                 created_at__lt=timezone.now() - KEY_LIFETIME).delete()
                # The claim; status and body are filled in below, before anyone can see the row.
                claim = IdempotencyRecord.objects.create(user=user, scope=scope, key=key, fingerprint=fingerprint,
                                                         status_code=0, body={})
                status_code, body = action()
                claim.status_code, claim.body = status_code, body
                claim.save(update_fields=["status_code", "body"])
        except IntegrityError:
            # A request with the same key committed its claim first; its answer is read above.
            # (An IntegrityError from the action itself would not leave a live row: re-raised below.)
            if IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).exists():
                continue
            raise
        return status_code, body
    record = _live(user=user, scope=scope, key=key, fingerprint=fingerprint)
    if record is None:
        raise RuntimeError(f"Idempotency-Key {key!r} for {scope} was neither answered nor claimable")
    return record.status_code, record.body


def idempotency_records_purge() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEY_LIFETIME).delete()
    return deleted
