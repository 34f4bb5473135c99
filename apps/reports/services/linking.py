"""What is learnt about a report after it was filed: the model it is about (sorting the
Unsorted inbox) and the logged prediction it was (linking). Either way the report is grouped
again with what is now known, its forensics run, and the audit trail says who did it."""

from __future__ import annotations

from django.db import transaction

from apps.accounts.access import require_sort, require_work_on_model
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import Conflict, InvalidInput
from apps.predictions.models import Prediction
from apps.registry.redaction import redact
from apps.registry.schema import feature_problems
from apps.registry.selectors import model_get, model_version_for_surface

from ..hooks import report_inputs_ready
from ..models import InputsSource, Report
from ..selectors import report_get
from .grouping import report_place


def _locked(report_id: int) -> Report:
    # The report row first: filing never locks existing reports, so this cannot wait on it.
    return (Report.objects.select_for_update(of=("self",)).select_related("model", "model_version", "incident")
            .get(pk=report_id))


@transaction.atomic
def report_prediction_link(*, report_id: int, prediction_id: str, actor) -> Report:
    """Attaches the logged prediction a report whose inputs are missing was about: its inputs,
    output and version come from the log (`inputs` becomes `logged`), the report is grouped
    again, and forensics run as for any report filed by id. For the model's team. A prediction
    another model logged is a 409 naming both models."""
    seen = report_get(user=actor, report_id=report_id) if actor is not None else Report.objects.get(pk=report_id)
    if seen.model_id is None:
        raise Conflict(f"WTF-{seen.pk} is unsorted: assign it a model first, then link one of that model's "
                       "predictions.")
    require_work_on_model(actor=actor, model=seen.model, action="link logged predictions to its reports")
    prediction_id = (prediction_id or "").strip()
    if not prediction_id or len(prediction_id) > 200:
        message = "Give the id of one logged prediction (at most 200 characters)."
        raise InvalidInput(message, errors={"prediction_id": [message]})

    report = _locked(report_id)
    if report.inputs != InputsSource.MISSING:
        raise Conflict(f"WTF-{report.pk} already has its inputs ({report.get_inputs_display().lower()}"
                       f"{f', prediction {report.prediction_id}' if report.prediction_id else ''}).")
    prediction = (Prediction.objects.select_related("model_version", "model")
                  .filter(model_id=report.model_id, prediction_id=prediction_id).first())
    if prediction is None:
        elsewhere = (Prediction.objects.select_related("model").filter(prediction_id=prediction_id)
                     .order_by("model__name").first())
        if elsewhere is not None:
            raise Conflict(f"Prediction '{prediction_id}' was logged by {elsewhere.model.name}, and WTF-{report.pk} "
                           f"is about {report.model.name}: link a prediction of {report.model.name}.",
                           errors={"prediction_id": [f"Logged by {elsewhere.model.name}, not {report.model.name}."]})
        raise InvalidInput(f"{report.model.name} has logged no prediction '{prediction_id}'. Check the id.",
                           errors={"prediction_id": ["Not found in the inference log."]})

    old = {"inputs": report.inputs, "incident": report.incident_id,
           "model_version": report.model_version.version if report.model_version_id else None}
    features = prediction.features
    if isinstance(features, dict):
        features = redact(features, report.model.redacted_features)
    report.logged_prediction = prediction
    report.prediction_id = prediction.prediction_id
    report.model_version = prediction.model_version
    report.features = features
    report.output = prediction.output
    report.inputs = InputsSource.LOGGED
    # The log is what it is: an odd input is recorded, never refused (it can be the bug).
    report.schema_problems = feature_problems(prediction.model_version.feature_schema, features)
    report_place(report=report, actor=actor)
    audit_record(actor=actor, action=AuditAction.REPORT_LINK_PREDICTION, target=report, old=old, new={
        "inputs": report.inputs, "prediction_id": report.prediction_id, "incident": report.incident_id,
        "model_version": report.model_version.version})
    # Forensics and the differential diagnosis (apps above this one) listen and queue their work.
    report_inputs_ready(report=report, actor=actor)
    return report


@transaction.atomic
def report_model_assign(*, report_id: int, model_name: str, actor) -> Report:
    """Sorts an unsorted report: names the model it is about (admins and triagers). Its version
    is the surface's current version, else the model's newest; it is grouped into an incident of
    that model's team, whose members take it from there (linking its prediction)."""
    seen = report_get(user=actor, report_id=report_id) if actor is not None else Report.objects.get(pk=report_id)
    require_sort(actor=actor, action="assign a model to a report")
    model = model_get(name=(model_name or "").strip())
    report = _locked(seen.pk)
    if report.model_id is not None:
        raise Conflict(f"WTF-{report.pk} is already about {report.model.name}"
                       + ("" if report.model_id == model.pk else f", not {model.name}: move it between incidents "
                          "of one model, or file it again for the other") + ".")
    report.model = model
    report.model_version = model_version_for_surface(model=model, surface_key=report.context.get("surface"))
    report_place(report=report, actor=actor)
    audit_record(actor=actor, action=AuditAction.REPORT_ASSIGN_MODEL, target=report, old={"model": None}, new={
        "model": model.name, "incident": report.incident_id,
        "model_version": report.model_version.version if report.model_version_id else None})
    return report
