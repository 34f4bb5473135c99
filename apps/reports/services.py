from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from apps.accounts.access import require_bot_on_own_model, require_work_on_model, user_access
from apps.audit.services import audit_record
from apps.core.errors import Conflict, InvalidInput, PermissionDenied
from apps.core.hooks import report_inputs_ready
from apps.forensics.selectors import input_checks
from apps.forensics.services import report_forensics_request
from apps.incidents import fingerprint as fingerprinting
from apps.incidents.models import Incident, Severity
from apps.incidents.selectors import incident_can_work, incident_get, incident_get_for_work
from apps.incidents.services import (
    Placement,
    incident_check_destination,
    incident_group_report,
    incident_open,
    incident_reopen_for_regression,
    incidents_locked,
)
from apps.predictions.selectors import PredictionLookup, prediction_find, prediction_find_by_lookup
from apps.predictions.validation import context_problem, features_problem, output_problem
from apps.registry.models import Model, ModelVersion
from apps.registry.redaction import redact
from apps.registry.schema import feature_problems
from apps.registry.selectors import model_get, model_version_get

from .attachments import attachment_inspect
from .models import Attachment, Channel, Report
from .selectors import report_get

NOT_GIVEN: Any = object()
# Said instead of the per-feature messages, which would quote logged values, to a reporter outside the team.
LOGGED_SCHEMA_MISMATCH = "The logged inputs do not match the version's schema."
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
    if channel == Channel.API:
        # A bot's key is its team's; chat bots (their own channels) file for the people in a channel.
        require_bot_on_own_model(actor=reporter, model=model, action="file reports")
    prediction = None
    if lookup is not None and not prediction_id:
        # Candidate lists and "nothing matches" tell what the log holds: the team's data. Checked
        # before the log is read, so the refusal says nothing about it.
        require_work_on_model(actor=reporter, model=model,
                              action="look its predictions up by context; anyone may file with the exact prediction_id")
        prediction = prediction_find_by_lookup(model=model, lookup=PredictionLookup.parse(lookup))
        prediction_id = prediction.prediction_id
    inputs_from_log = bool(prediction_id) and features is NOT_GIVEN
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

    if isinstance(features, dict):
        # Before any check or message can echo them: a redacted feature's value is never stored,
        # whether the reporter typed it or it comes from a prediction logged before redaction.
        features = redact(features, model.redacted_features)
    if message := features_problem(features):
        raise InvalidInput(f"features: {message}", errors={"features": [message]})
    if output is NOT_GIVEN:
        output = None
    elif message := output_problem(output):
        raise InvalidInput(f"output: {message}", errors={"output": [message]})

    schema_problems = feature_problems(version.feature_schema, features)
    if (schema_problems and not allow_schema_mismatch and inputs_from_log and reporter is not None
            and not user_access(reporter).can_work_on_team(model.team_id)):
        # The messages would quote logged values to someone outside the team.
        raise InvalidInput(
            f"The logged inputs of prediction '{prediction_id}' do not match what version {version.version} takes; "
            "the team that owns the model sees which. File the report anyway by confirming "
            "(allow_schema_mismatch: true) — an odd input can be the bug itself.",
            errors={"features": [LOGGED_SCHEMA_MISMATCH]},
        )
    if schema_problems and not allow_schema_mismatch:
        raise InvalidInput(
            "The features do not match what this model version takes. Fix them, or file the report "
            "as it is by confirming (allow_schema_mismatch: true) — an odd input can be the bug itself.",
            errors=schema_problems,
        )

    fingerprint = report_fingerprint(model=model, version=version, features=features, output=output,
                                contexts=[context, prediction.context if prediction else None])
    grouped = incident_group_report(model=model, version=version, fingerprint=fingerprint, title=title.strip(),
                                    severity=severity, actor=reporter)
    incident = grouped.incident
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
        fingerprint=fingerprint.key,
    )
    audit_record(actor=reporter, action="report.create", target=report,
                 new={"incident": incident.pk, "channel": channel, "model_version": str(version),
                      "grouping": grouped.placement.value, "fingerprint": fingerprint.label})
    if grouped.placement == Placement.REGRESSION:
        incident_reopen_for_regression(incident=incident, report=report)
    # Attribution, neighbours and prevalence take longer than a request: a task after commit.
    report_forensics_request(report=report, actor=reporter, on_intake=True)
    # The differential diagnosis (an app above this one) listens: it queues itself after commit.
    report_inputs_ready(report=report, actor=reporter)
    return report


def report_fingerprint(*, model: Model, version: ModelVersion, features: dict, output: Any,
                       contexts: list[dict | None]) -> fingerprinting.Fingerprint:
    """The fingerprint of a report's facts (apps/incidents/fingerprint.py), with the most
    suspicious input as input forensics ranks it against the version's reference. The surface
    comes from the report's context, else from its logged prediction's."""
    checks = input_checks(model_version=version, features=features if isinstance(features, dict) else {})
    return fingerprinting.fingerprint(model_name=model.name, output=output, contexts=contexts, checks=checks)


def _logged_context(report: Report) -> dict | None:
    return report.logged_prediction.context if report.logged_prediction_id else None


@transaction.atomic
def report_move(*, report_id: int, to_incident_id: int | None, actor) -> Report:
    """Moves one report by hand into another incident of its model, or (`to_incident_id`
    None) into a new incident of its own: an unmerge. The report is marked as placed by hand,
    so automatic grouping never moves it back; reports filed later keep grouping as before.
    Moving an incident's only report is refused: merge the incident instead."""
    if actor is not None:
        # What the user may not see answers 404 before what they may not change answers 403.
        report = report_get(user=actor, report_id=report_id)
        if to_incident_id is not None:
            incident_get(user=actor, incident_id=to_incident_id)
        if not incident_can_work(user=actor, incident=report.incident):
            raise PermissionDenied(f"Only the team that owns '{report.model.name}' may move its reports between "
                                   "incidents.")
        if to_incident_id is not None:
            incident_get_for_work(user=actor, incident_id=to_incident_id)

    # Incidents first, then the report: the order incident_merge takes them in, so the two
    # cannot deadlock. A merge that moved the report meanwhile is reported, not overridden.
    seen_in = Report.objects.values_list("incident_id", flat=True).get(pk=report_id)
    ids = sorted({seen_in} | ({to_incident_id} if to_incident_id is not None else set()))
    incidents = {incident.pk: incident for incident in
                 incidents_locked().select_related("model").filter(pk__in=ids).order_by("pk")}
    report = (Report.objects.select_for_update(of=("self",)).select_related("model", "model_version")
              .get(pk=report_id))
    if report.incident_id != seen_in:
        raise Conflict(f"WTF-{report.pk} was just moved to INC-{report.incident_id}; look again and retry.")
    source = incidents[report.incident_id]
    if to_incident_id == source.pk:
        raise Conflict(f"WTF-{report.pk} is already in INC-{source.pk}.")
    alone = not source.reports.exclude(pk=report.pk).exists()
    if to_incident_id is None:
        if alone:
            raise Conflict(f"WTF-{report.pk} is already the only report of INC-{source.pk}.")
        fingerprint = report_fingerprint(model=report.model, version=report.model_version, features=report.features,
                                    output=report.output, contexts=[report.context, _logged_context(report)])
        destination = incident_open(model=report.model, title=report.title, severity=report.severity, actor=actor,
                                    fingerprint=fingerprint)
    else:
        destination = incidents[to_incident_id]
        if destination.model_id != report.model_id:
            raise Conflict(f"WTF-{report.pk} is about '{report.model.name}' and INC-{destination.pk} about "
                           f"'{destination.model.name}': a report can only join an incident of its model.")
        incident_check_destination(incident=destination)
        if alone:
            raise Conflict(f"WTF-{report.pk} is the only report of INC-{source.pk}: merge INC-{source.pk} into "
                           f"INC-{destination.pk} instead, so that its later reports follow.")
    report.incident = destination
    report.grouping_locked = True
    report.save(update_fields=["incident", "grouping_locked"])
    now = timezone.now()
    Incident.objects.filter(pk__in=[source.pk, destination.pk]).update(updated_at=now)
    audit_record(actor=actor, action="report.move", target=report, old={"incident": source.pk},
                 new={"incident": destination.pk, "new_incident": to_incident_id is None})
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
