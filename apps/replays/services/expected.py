from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.accounts.access import require_work_on_model
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.reports.models import Report

from ..expectations import expectation_validate
from ..models import ExpectedOutcome


def _snapshot(expected: ExpectedOutcome | None) -> dict[str, Any]:
    if expected is None:
        return {}
    return {"predicate": expected.predicate, "value": expected.value, "field": expected.field}


@transaction.atomic
def expected_outcome_set(*, actor, report: Report, predicate: str, value: Any, field: str = "",
                         note: str = "") -> ExpectedOutcome:
    """Records (or replaces) the outcome the team agreed the model should give for this
    report's input. Team work, like replaying."""
    require_work_on_model(actor=actor, model=report.model, action="set the expected outcome of its reports")
    field = (field or "").strip()
    expectation_validate(predicate=predicate, value=value, field=field)
    existing = ExpectedOutcome.objects.select_for_update().filter(report=report).first()
    old = _snapshot(existing)
    expected = existing or ExpectedOutcome(report=report)
    expected.predicate, expected.value, expected.field, expected.note = predicate, value, field, note[:5000]
    expected.set_by = actor if getattr(actor, "is_authenticated", False) else None
    expected.updated_at = timezone.now()
    expected.save()
    audit_record(actor=actor, action=AuditAction.REPORT_EXPECTATION_SET, target=report, old=old,
                 new=_snapshot(expected))
    return expected


@transaction.atomic
def expected_outcome_clear(*, actor, report: Report) -> bool:
    require_work_on_model(actor=actor, model=report.model, action="change the expected outcome of its reports")
    existing = ExpectedOutcome.objects.select_for_update().filter(report=report).first()
    if existing is None:
        return False
    old = _snapshot(existing)
    existing.delete()
    audit_record(actor=actor, action=AuditAction.REPORT_EXPECTATION_CLEAR, target=report, old=old)
    return True
