from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from apps.accounts.access import user_access
from apps.audit.actions import AuditAction
from apps.audit.services import audit_record
from apps.core.errors import InvalidInput, PermissionDenied
from apps.predictions.selectors import prediction_find
from apps.predictions.validation import output_problem
from apps.registry.selectors import model_get
from apps.reports.models import Channel
from apps.reports.services import report_attachment_add, report_create

from .models import Feedback, PublishableKey, Verdict
from .selectors import publishable_key_digest

MAX_COMMENT = 10_000
# Publishable keys start with this, so that any endpoint can tell one from an API token
# without a database query (and refuse it: it is meant to be public).
PUBLISHABLE_PREFIX = "mli_pk_"
MAX_ORIGINS = 20


@transaction.atomic
def feedback_give(*, model_name: str, prediction_id: str, verdict: str, actor, label: Any = None,
                  comment: str = "", screenshot: File | None = None,
                  publishable_key: PublishableKey | None = None) -> Feedback:
    """Records a thumbs up/down on a logged prediction. Thumbs-down with a comment (or a
    screenshot) files a WTF report from the logged inputs, so that a complaint is never just a
    number. Only the team that owns the model (its people and bots; anyone for a model no team
    owns) gives feedback — or a product page's widget holding a publishable key for the model."""
    if verdict not in Verdict.values:
        raise InvalidInput(f"'{verdict}' is not a verdict: use 'up' or 'down'.", errors={"verdict": ["Unknown."]})
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"The comment is longer than {MAX_COMMENT} characters.", errors={"comment": ["Too long."]})
    if label is not None and (message := output_problem(label)):
        raise InvalidInput(f"label: {message}", errors={"label": [message]})
    if screenshot is not None and verdict != Verdict.DOWN:
        raise InvalidInput("A screenshot goes with a thumbs-down: it shows what was wrong.",
                           errors={"screenshot": ["Only with a thumbs-down."]})
    model = model_get(name=model_name)
    if publishable_key is not None:
        if not publishable_key.is_active:
            raise PermissionDenied("This publishable key was revoked.")
        if publishable_key.model_id != model.pk:
            raise PermissionDenied(f"This publishable key sends feedback on '{publishable_key.model.name}' only, "
                                   f"not on '{model.name}'.")
        actor = None  # the widget's visitor is nobody we know; the key is recorded instead
    # Before the log is read: a thumbs-up answers with the logged output, and found or not tells
    # which ids exist. Feedback comes from the team's own widget; anyone else files a report.
    elif actor is not None and not user_access(actor).can_work_on_team(model.team_id):
        raise PermissionDenied(
            f"Feedback on '{model.name}' comes from its team's widget: only the team that owns it (and its bots) may "
            "send it. To say an answer was wrong, file a report with the prediction id (POST /api/v1/reports/).")
    prediction = prediction_find(model=model, prediction_id=str(prediction_id))
    if verdict == Verdict.UP:
        label = prediction.output
    report = None
    if verdict == Verdict.DOWN and (comment or screenshot is not None):
        context = {"source": "feedback"}
        if publishable_key is not None:
            context["widget_key"] = f"{publishable_key.name} ({publishable_key.prefix}…)"
        report = report_create(
            reporter=actor, model_name=model.name, prediction_id=prediction.prediction_id,
            title=(comment.splitlines()[0][:200] if comment else f"Thumbs-down on {prediction.prediction_id}"),
            description=comment, expected="" if label is None else f"{label}", context=context, channel=Channel.API,
        )
        if screenshot is not None:
            report_attachment_add(report=report, upload=screenshot, actor=actor)
    feedback = Feedback.objects.create(
        model=model, model_version=prediction.model_version, logged_prediction=prediction,
        prediction_id=prediction.prediction_id, verdict=verdict, label=label, comment=comment, report=report,
        given_by=actor if getattr(actor, "is_authenticated", False) else None, publishable_key=publishable_key,
    )
    new = {"verdict": verdict, "report": report.pk if report else None}
    if publishable_key is not None:
        new["publishable_key"] = publishable_key.prefix
        PublishableKey.objects.filter(pk=publishable_key.pk).update(last_used_at=timezone.now())
    audit_record(actor=actor, action=AuditAction.FEEDBACK_GIVE, target=feedback, new=new)
    return feedback


@dataclass(frozen=True)
class IssuedPublishableKey:
    key: PublishableKey
    secret: str  # the key itself: shown once, never stored (it is public, but only a digest is kept)


def origin_normalized(value: str) -> str:
    """`https://shop.example.com[:port]`, lower-case, with nothing after the host: exactly what
    a browser sends as `Origin`."""
    text = (value or "").strip().lower().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query or parts.fragment \
            or parts.username or parts.password:
        raise InvalidInput(f"'{value.strip()[:100]}' is not an origin: write it as https://shop.example.com "
                           "(scheme and host, a port if not the usual one, no path).",
                           errors={"allowed_origins": ["Not an origin."]})
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"'{value.strip()[:100]}' has an invalid port.",
                           errors={"allowed_origins": ["Invalid port."]}) from exc
    default = {"http": 80, "https": 443}[parts.scheme]
    return f"{parts.scheme}://{parts.hostname}" + (f":{port}" if port and port != default else "")


def _may_manage_keys_of(actor, model) -> bool:
    return actor is None or user_access(actor).can_work_on_team(model.team_id)


@transaction.atomic
def publishable_key_create(*, model_name: str, name: str, allowed_origins: Iterable[str],
                           actor) -> IssuedPublishableKey:
    """A key for the feedback widget on `model_name`'s product pages, accepted only from
    `allowed_origins`. The model's team (or an admin) issues it."""
    model = model_get(name=model_name)
    if not _may_manage_keys_of(actor, model):
        raise PermissionDenied(f"Only the team that owns '{model.name}' (or an admin) issues its widget keys.")
    name = " ".join((name or "").split())[:100]
    if not name:
        raise InvalidInput("Name the key after the page or site that shows the widget.", errors={"name": ["Required."]})
    origins = sorted({origin_normalized(origin) for origin in allowed_origins if (origin or "").strip()})
    if not origins:
        raise InvalidInput("List at least one origin the widget runs on, e.g. https://shop.example.com.",
                           errors={"allowed_origins": ["Required."]})
    if len(origins) > MAX_ORIGINS:
        raise InvalidInput(f"At most {MAX_ORIGINS} origins per key.", errors={"allowed_origins": ["Too many."]})
    secret = PUBLISHABLE_PREFIX + secrets.token_urlsafe(24)
    key = PublishableKey.objects.create(
        name=name, model=model, allowed_origins=origins, prefix=secret[: len(PUBLISHABLE_PREFIX) + 6],
        digest=publishable_key_digest(secret), created_by=actor)
    audit_record(actor=actor, action=AuditAction.PUBLISHABLE_KEY_CREATE, target=key,
                 new={"name": name, "model": model.name, "allowed_origins": origins})
    return IssuedPublishableKey(key=key, secret=secret)


@transaction.atomic
def publishable_key_revoke(*, key: PublishableKey, actor) -> PublishableKey:
    if not _may_manage_keys_of(actor, key.model):
        raise PermissionDenied(f"Only the team that owns '{key.model.name}' (or an admin) revokes its widget keys.")
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action=AuditAction.PUBLISHABLE_KEY_REVOKE, target=key, old={"active": True},
                     new={"active": False})
    return key
