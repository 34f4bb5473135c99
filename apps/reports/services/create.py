from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput
from apps.incidents.models import Severity
from apps.incidents.services import Placement, incident_group_report, incident_reopen_for_regression
from apps.predictions.validation import context_problem

from ..hooks import report_inputs_ready
from ..models import Channel, Report
from .grouping import report_fingerprint_of
from .intake import NOT_GIVEN, report_inputs_resolve

MAX_TEXT = 10_000
# "Roughly when" typed on a phone whose clock runs a little fast is still now.
SEEN_AT_SLACK = timedelta(minutes=10)


def _check_text(title: str, description: str, expected: str) -> None:
    errors: dict[str, list[str]] = {}
    if not title or not title.strip():
        errors["title"] = ["Say in a few words what looked wrong."]
    elif len(title) > 200:
        errors["title"] = ["At most 200 characters."]
    for name, value in (("description", description), ("expected", expected)):
        if len(value) > MAX_TEXT:
            errors[name] = [f"At most {MAX_TEXT} characters."]
    if errors:
        raise InvalidInput("Some fields need fixing.", errors=errors)


@transaction.atomic
def report_create(
    *,
    reporter,
    title: str,
    model_name: str | None = None,
    model_version: str | None = None,
    prediction_id: str | None = None,
    lookup: dict | None = None,
    features: Any = NOT_GIVEN,
    output: Any = NOT_GIVEN,
    description: str = "",
    expected: str = "",
    context: dict | None = None,
    seen_at: datetime | None = None,
    severity: str = Severity.MEDIUM,
    channel: str = Channel.API,
    allow_schema_mismatch: bool = False,
) -> Report:
    """Files a WTF report. Only the title is required: what the person saw is never refused for
    missing ML details. Its inputs come from the inference log, from the reporter, or not yet
    (`report_inputs_resolve` says which); a report with a model is grouped into an incident of
    that model's team, one without waits in the Unsorted inbox."""
    _check_text(title, description, expected)
    if severity not in Severity.values:
        raise InvalidInput(f"Unknown severity '{severity}'.", errors={"severity": [f"Use one of {Severity.values}."]})
    context = context if context is not None else {}
    if message := context_problem(context):
        raise InvalidInput(f"context: {message}", errors={"context": [message]})
    if seen_at is not None and seen_at > timezone.now() + SEEN_AT_SLACK:
        message = "That is in the future: say roughly when you saw it."
        raise InvalidInput(message, errors={"seen_at": [message]})

    resolved = report_inputs_resolve(
        reporter=reporter, model_name=model_name, model_version=model_version, prediction_id=prediction_id,
        lookup=lookup, features=features, output=output, context=context, channel=channel,
        allow_schema_mismatch=allow_schema_mismatch)
    report = Report(
        model=resolved.model,
        model_version=resolved.version,
        logged_prediction=resolved.prediction,
        prediction_id=resolved.prediction_id,
        inputs=resolved.source,
        features=resolved.features,
        output=resolved.output,
        title=title.strip(),
        description=description,
        expected=expected,
        context=context,
        seen_at=seen_at,
        severity=severity,
        channel=channel,
        schema_problems=resolved.schema_problems,
        reporter=reporter if getattr(reporter, "is_authenticated", False) else None,
    )
    grouped = None
    if resolved.model is not None:
        fingerprint = report_fingerprint_of(report)
        grouped = incident_group_report(model=resolved.model, version=resolved.version, fingerprint=fingerprint,
                                        title=report.title, severity=severity, actor=reporter)
        report.incident = grouped.incident
        report.fingerprint = fingerprint.key
    report.save()
    audit_record(actor=reporter, action=AuditAction.REPORT_CREATE, target=report, new={
        "incident": report.incident_id, "channel": channel, "inputs": report.inputs,
        "model_version": str(resolved.version) if resolved.version else None,
        **({"grouping": grouped.placement.value, "fingerprint": fingerprint.label} if grouped else {"unsorted": True}),
    })
    if grouped is not None and grouped.placement == Placement.REGRESSION:
        incident_reopen_for_regression(incident=grouped.incident, report=report)
    if report.has_inputs:
        # Forensics and the differential diagnosis (apps above this one) listen: each queues its
        # work; a failure of theirs is logged and never loses the report.
        report_inputs_ready(report=report, actor=reporter)
    return report

