from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction

from apps.audit.services import audit_record
from apps.core.errors import InvalidInput
from apps.forensics.services import report_forensics_request
from apps.incidents.models import Severity
from apps.incidents.services import incident_open
from apps.predictions.selectors import PredictionLookup, prediction_find, prediction_find_by_lookup
from apps.predictions.validation import context_problem, features_problem, output_problem
from apps.registry.schema import feature_problems
from apps.registry.selectors import model_get, model_version_get

from .attachments import attachment_inspect
from .models import Attachment, Channel, Report

NOT_GIVEN: Any = object()
MAX_TEXT = 10_000


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
    model_name: str,
    title: str,
    model_version: str | None = None,
    prediction_id: str | None = None,
    lookup: dict | None = None,
    features: Any = NOT_GIVEN,
    output: Any = NOT_GIVEN,
    description: str = "",
    expected: str = "",
    context: dict | None = None,
    severity: str = Severity.MEDIUM,
    channel: str = Channel.API,
    allow_schema_mismatch: bool = False,
) -> Report:
    """Files a WTF report. The inputs come either from the inference log (`prediction_id`, or a
    `lookup` by context fields and time window that must match exactly one logged prediction)
    or from the reporter (`model_version` + `features`). Features that do not fit the version's
    schema are refused with a message per feature unless the reporter confirms them: a
    malformed input is itself evidence, so it can still be filed."""
    _check_text(title, description, expected)
    if severity not in Severity.values:
        raise InvalidInput(f"Unknown severity '{severity}'.", errors={"severity": [f"Use one of {Severity.values}."]})
    context = context if context is not None else {}
    if message := context_problem(context):
        raise InvalidInput(f"context: {message}", errors={"context": [message]})

    model = model_get(name=model_name)
    prediction = None
    if lookup is not None and not prediction_id:
        prediction = prediction_find_by_lookup(model=model, lookup=PredictionLookup.parse(lookup))
        prediction_id = prediction.prediction_id
    if prediction_id:
        prediction = prediction or prediction_find(model=model, prediction_id=str(prediction_id))
        version = prediction.model_version
        if model_version and str(model_version) != version.version:
            raise InvalidInput(
                f"Prediction '{prediction_id}' was made by version {version.version}, not {model_version}.",
                errors={"model_version": [f"The log says {version.version}."]},
            )
        if features is NOT_GIVEN:
            features = prediction.features
        if output is NOT_GIVEN:
            output = prediction.output
    else:
        missing = {}
        if not model_version:
            missing["model_version"] = ["Required when no prediction_id is given."]
        if features is NOT_GIVEN:
            missing["features"] = ["Required when no prediction_id is given."]
        if missing:
            raise InvalidInput("Give either a prediction_id from the inference log (or a lookup by context), or "
                               "model_version and features.",
                               errors=missing)
        version = model_version_get(model=model, version=str(model_version))

    if message := features_problem(features):
        raise InvalidInput(f"features: {message}", errors={"features": [message]})
    if output is NOT_GIVEN:
        output = None
    elif message := output_problem(output):
        raise InvalidInput(f"output: {message}", errors={"output": [message]})

    schema_problems = feature_problems(version.feature_schema, features)
    if schema_problems and not allow_schema_mismatch:
        raise InvalidInput(
            "The features do not match what this model version takes. Fix them, or file the report "
            "as it is by confirming (allow_schema_mismatch: true) — an odd input can be the bug itself.",
            errors=schema_problems,
        )

    incident = incident_open(model=model, title=title.strip(), severity=severity, actor=reporter)
    report = Report.objects.create(
        model=model,
        model_version=version,
        logged_prediction=prediction,
        prediction_id=str(prediction_id or ""),
        features=features,
        output=output,
        title=title.strip(),
        description=description,
        expected=expected,
        context=context,
        severity=severity,
        channel=channel,
        schema_problems=schema_problems,
        reporter=reporter if getattr(reporter, "is_authenticated", False) else None,
        incident=incident,
    )
    audit_record(actor=reporter, action="report.create", target=report,
                 new={"incident": incident.pk, "channel": channel, "model_version": str(version)})
    # Attribution, neighbours and prevalence take longer than a request: a task after commit.
    report_forensics_request(report=report, actor=reporter, on_intake=True)
    return report


@transaction.atomic
def report_attachment_add(*, report: Report, upload: File, actor) -> Attachment:
    """Attaches a file (a screenshot, a CSV of inputs, a log) to a report. Its type is detected
    from its content; it is stored under a generated name and only served through the
    permission-checked download view."""
    inspected = attachment_inspect(upload=upload, max_bytes=settings.ATTACHMENT_MAX_BYTES)
    # Locking the report makes concurrent uploads count one after the other.
    report = Report.objects.select_for_update().get(pk=report.pk)
    limit = settings.ATTACHMENT_MAX_PER_REPORT
    if report.attachments.count() >= limit:
        message = f"A report can have at most {limit} attachments."
        raise InvalidInput(message, errors={"file": [message]})

    attachment = Attachment(
        report=report, original_name=inspected.original_name, content_type=inspected.content_type,
        size=inspected.size, sha256=inspected.sha256,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    attachment.file.save("upload", ContentFile(inspected.data), save=False)
    try:
        attachment.save()
        audit_record(actor=actor, action="report.attachment_add", target=report, new={
            "attachment": attachment.pk, "original_name": attachment.original_name,
            "content_type": attachment.content_type, "size": attachment.size, "sha256": attachment.sha256,
        })
    except BaseException:
        # The row did not make it: do not leave an orphaned file behind.
        attachment.file.delete(save=False)
        raise
    return attachment
