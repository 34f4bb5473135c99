from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.accounts.access import user_access
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput, PermissionDenied
from apps.predictions.selectors import prediction_find
from apps.predictions.validation import output_problem
from apps.registry.selectors import model_get
from apps.reports.models import Channel
from apps.reports.services import report_create

from .models import Feedback, Verdict

MAX_COMMENT = 10_000


@transaction.atomic
def feedback_give(*, model_name: str, prediction_id: str, verdict: str, actor, label: Any = None,
                  comment: str = "") -> Feedback:
    """Records a thumbs up/down on a logged prediction. Thumbs-down with a comment files a WTF
    report from the logged inputs, so that a complaint is never just a number. Only the team
    that owns the model (its people and bots; anyone for a model no team owns) gives feedback."""
    if verdict not in Verdict.values:
        raise InvalidInput(f"'{verdict}' is not a verdict: use 'up' or 'down'.", errors={"verdict": ["Unknown."]})
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"The comment is longer than {MAX_COMMENT} characters.", errors={"comment": ["Too long."]})
    if label is not None and (message := output_problem(label)):
        raise InvalidInput(f"label: {message}", errors={"label": [message]})
    model = model_get(name=model_name)
    # Before the log is read: a thumbs-up answers with the logged output, and found or not tells
    # which ids exist. Feedback comes from the team's own widget; anyone else files a report.
    if actor is not None and not user_access(actor).can_work_on_team(model.team_id):
        raise PermissionDenied(
            f"Feedback on '{model.name}' comes from its team's widget: only the team that owns it (and its bots) may "
            "send it. To say an answer was wrong, file a report with the prediction id (POST /api/v1/reports/).")
    prediction = prediction_find(model=model, prediction_id=str(prediction_id))
    if verdict == Verdict.UP:
        label = prediction.output
    report = None
    if verdict == Verdict.DOWN and comment:
        report = report_create(
            reporter=actor, model_name=model.name, prediction_id=prediction.prediction_id,
            title=comment.splitlines()[0][:200], description=comment,
            expected="" if label is None else f"{label}", context={"source": "feedback"}, channel=Channel.API,
        )
    feedback = Feedback.objects.create(
        model=model, model_version=prediction.model_version, logged_prediction=prediction,
        prediction_id=prediction.prediction_id, verdict=verdict, label=label, comment=comment, report=report,
        given_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(actor=actor, action="feedback.give", target=feedback,
                 new={"verdict": verdict, "report": report.pk if report else None})
    return feedback
