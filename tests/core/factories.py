"""Core's one table, the first answers to requests sent with an Idempotency-Key, written
through `run_idempotently` as the API views write them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.core.idempotency import run_idempotently
from apps.core.models import IdempotencyRecord


def answered_key(user, key: str, *, scope: str = "reports.create", data: Any = None, status_code: int = 201,
                 body: dict | None = None, age: timedelta | None = None) -> IdempotencyRecord:
    """The record of `user`'s request with `key` in `scope`, answered `status_code` and `body`,
    `age` ago (default: just now)."""
    run_idempotently(user=user, scope=scope, key=key, data=data if data is not None else {},
                     action=lambda: (status_code, body or {}))
    record = IdempotencyRecord.objects.get(user=user, scope=scope, key=key)
    if age is not None:
        IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - age)
        record.refresh_from_db()
    return record
