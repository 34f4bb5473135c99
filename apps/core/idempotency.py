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


def _previous(*, user, scope: str, key: str, fingerprint: str) -> IdempotencyRecord | None:
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
    """Runs `action` (which returns status and body) at most once per key. The record is written
    in the same transaction as what the action writes, so a crash leaves neither or both."""
    if not key:
        return action()
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(f"The Idempotency-Key is longer than {MAX_KEY_LENGTH} characters.",
                           errors={"Idempotency-Key": ["Too long."]})
    fingerprint = request_fingerprint(data)
    if (record := _previous(user=user, scope=scope, key=key, fingerprint=fingerprint)) is not None:
        return record.status_code, record.body
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.filter(user=user, scope=scope, key=key).delete()  # an expired one
            status_code, body = action()
            IdempotencyRecord.objects.create(user=user, scope=scope, key=key, fingerprint=fingerprint,
                                             status_code=status_code, body=body)
    except IntegrityError:
        # A concurrent request with the same key won the race; its work stands, ours rolled back.
        record = _previous(user=user, scope=scope, key=key, fingerprint=fingerprint)
        if record is None:
            raise
        return record.status_code, record.body
    return status_code, body


def idempotency_records_purge() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - KEY_LIFETIME).delete()
    return deleted
