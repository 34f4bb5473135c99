"""Every role against every endpoint, from one table. A URL added to the project without a
row here fails `test_every_url_has_a_row`, so nobody ships an endpoint whose access was
never decided.

Roles: anonymous; reporter (signed in, in no team, filed `world.report`); outsider (member
of another team); member and reviewer of the team that owns the model; admin; and the
team's bot with an intake-only token (another team's bot instead, where the row says
`foreign_bot`). The report's incident is open and not restricted, unless the row says so; it
holds a second report (`world.sibling`), and the model has a second open incident
(`world.other_incident`) to merge or move into.

The logged prediction `matrix-1` carries a value found nowhere else (`LOGGED_SECRET`): a row with
`reveals` also pins which roles' successful answers may contain it — the inference log holds
production data and belongs to the model's team."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import INTAKE_SCOPES
from apps.accounts.services import api_token_create, bot_account_create, membership_set
from apps.feedback.services import publishable_key_create
from apps.forensics.services import drift_report_request
from apps.incidents.services import incident_update
from apps.incidents.tags import incident_tag_add
from apps.postmortems.services import (
    action_item_propose,
    contributing_factor_add,
    postmortem_start,
    timeline_entry_add,
    why_node_add,
)
from apps.predictions.services import predictions_log
from apps.registry.models import Model
from apps.replays.services import expected_outcome_set, replay_start
from apps.reports.models import Report
from apps.reports.services import report_attachment_add, report_create
from tests.accounts.factories import access_world
from tests.actions.factories import accepted_ticket
from tests.registry.factories import iris_row
from tests.reports.factories import file_report

ROLES = ("anonymous", "reporter", "outsider", "member", "reviewer", "admin", "intake_bot")

pytestmark = pytest.mark.django_db


def everyone(status: int, *, anonymous: int = 401, intake_bot: int = 403) -> dict[str, int]:
    return {role: status for role in ROLES} | {"anonymous": anonymous, "intake_bot": intake_bot}


def api(reporter: int, outsider: int, team: int, *, admin: int | None = None, intake_bot: int = 403,
        anonymous: int = 401) -> dict[str, int]:
    return {"anonymous": anonymous, "reporter": reporter, "outsider": outsider, "member": team, "reviewer": team,
            "admin": team if admin is None else admin, "intake_bot": intake_bot}


def page(reporter: int, outsider: int, team: int, *, admin: int | None = None) -> dict[str, int]:
    # Pages are for people: a bot's token does not open them, it is sent to sign in.
    return api(reporter, outsider, team, admin=admin, intake_bot=302, anonymous=302)


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    path: str
    expected: dict[str, int]
    body: dict | list | None = None
    restricted: bool = False
    # The model is one no team owns (its reports and replays are everyone's unless restricted).
    unowned: bool = False
    form: bool = False
    foreign_bot: bool = False
    reveals: tuple[str, ...] | None = None
    note: str = field(default="", compare=False)


LOGGED_SECRET = 7.654321
TEAM = ("member", "reviewer", "admin")


def _prediction(world) -> list[dict]:
    return [{"prediction_id": "matrix-1", "model": world.model.name, "model_version": world.version.version,
             "features": iris_row(3) | {"sepal_length": LOGGED_SECRET}, "output": "setosa",
             "context": {"customer": "matrix-customer"}}]


def _png():
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("screen.png", buffer.getvalue(), content_type="image/png")


def _bot_sign_in(world) -> dict:
    """The team's bot, given a password by an admin, tries to sign in with it."""
    world.bot.set_password("typed in the admin")
    world.bot.save(update_fields=["password"])
    return {"username": world.bot.username, "password": "typed in the admin"}


def _by_id(world) -> dict:
    return {"model": world.model.name, "prediction_id": world.logged_id, "title": "matrix"}


def _by_lookup(world) -> dict:
    return {"model": world.model.name, "lookup": {"context": {"customer": "matrix-customer"}}, "title": "matrix"}


def _report(world) -> dict:
    return {"model": world.model.name, "model_version": world.version.version, "features": iris_row(4),
            "output": "setosa", "title": "matrix"}


MATRIX: list[Row] = [
    Row("healthz", "get", "/healthz", everyone(200, anonymous=200, intake_bot=200)),
    Row("readyz", "get", "/readyz", everyone(200, anonymous=200, intake_bot=200)),
    Row("api-schema", "get", "/api/schema/", everyone(200, anonymous=200, intake_bot=200),
        note="describes the API, holds no data"),
    Row("api-docs", "get", "/api/docs/", everyone(200, anonymous=200, intake_bot=200)),
    Row("api-redoc", "get", "/api/redoc/", everyone(200, anonymous=200, intake_bot=200)),
    Row("api-model-list", "get", "/api/v1/models/", everyone(200)),
    Row("api-model-version-list", "get", "/api/v1/models/{model}/versions/", everyone(200)),
    Row("api-prediction-log", "post", "/api/v1/predictions/", api(403, 403, 201, intake_bot=201), body=_prediction),
    Row("api-feedback", "post", "/api/v1/feedback/", api(403, 403, 201, intake_bot=201),
        body=lambda world: {"model": world.model.name, "prediction_id": world.logged_id, "verdict": "up"},
        note="feedback across teams: a thumbs-up answers with the logged label, so it is the team's widget's"),
    Row("api-feedback", "post", "/api/v1/feedback/", api(403, 403, 201, intake_bot=403), foreign_bot=True,
        body=lambda world: {"model": world.model.name, "prediction_id": world.logged_id, "verdict": "up"},
        note="a bot acts only on its own team's models"),
    Row("api-model-feedback", "get", "/api/v1/models/{model}/feedback/", everyone(200)),
    Row("api-report-list", "get", "/api/v1/reports/", api(200, 200, 200)),
    Row("api-report-list", "post", "/api/v1/reports/", everyone(201, intake_bot=201), body=_report),
    Row("api-report-list", "post", "/api/v1/reports/", everyone(201, intake_bot=201), body=_by_id,
        reveals=(*TEAM, "intake_bot"), note="anyone files by an exact id; the logged inputs are the team's"),
    Row("api-report-list", "post", "/api/v1/reports/", api(403, 403, 201, intake_bot=201), body=_by_lookup,
        note="a lookup by context lists candidates from the log: team work"),
    Row("api-report-list", "post", "/api/v1/reports/", everyone(201, intake_bot=403), body=_by_id,
        foreign_bot=True, note="a bot acts only on its own team's models"),
    Row("api-report-detail", "get", "/api/v1/reports/{report}/", api(200, 404, 200)),
    Row("api-report-detail", "get", "/api/v1/reports/{unsorted}/", api(200, 404, 404, admin=200),
        note="a report with no model: its reporter, admins and triagers see it until it is sorted"),
    Row("api-report-detail", "patch", "/api/v1/reports/{unsorted}/", api(403, 404, 404, admin=200),
        body=lambda world: {"model": world.model.name},
        note="sorting the Unsorted inbox is for admins and triagers; its reporter sees it but may not sort it"),
    Row("api-report-prediction-candidates", "get", "/api/v1/reports/{waiting}/prediction-candidates/",
        api(403, 404, 200), note="the candidates come from the log: the team's"),
    Row("api-report-prediction", "post", "/api/v1/reports/{waiting}/prediction/", api(403, 404, 200),
        body=lambda world: {"prediction_id": world.logged_id}, reveals=TEAM,
        note="linking a logged prediction is team work; the linked inputs are the team's to read"),
    Row("api-report-detail", "get", "/api/v1/reports/{report}/", api(200, 404, 200), restricted=True,
        note="its reporter still sees the report; the incident is what is hidden"),
    Row("api-report-attachments", "get", "/api/v1/reports/{report}/attachments/", api(200, 404, 200)),
    Row("api-report-attachments", "post", "/api/v1/reports/{report}/attachments/",
        api(201, 404, 201, intake_bot=404), body=lambda world: {"file": _png()}, form=True,
        note="an intake key attaches only to what its bot filed (404, as for an unknown id)"),
    Row("api-report-replay", "post", "/api/v1/reports/{report}/replays/", api(403, 404, 202), body={}),
    Row("api-replay-batch", "post", "/api/v1/replays/", api(403, 404, 202),
        body=lambda world: {"model": world.model.name, "model_version": world.version.version,
                            "reports": [world.report.pk]}),
    Row("api-report-expectation", "get", "/api/v1/reports/{report}/expectation/", api(200, 404, 200),
        note="whoever sees the report sees what the team expects of it"),
    Row("api-report-expectation", "put", "/api/v1/reports/{report}/expectation/", api(403, 404, 200),
        body={"predicate": "in_set", "value": ["setosa", "versicolor"]}),
    Row("api-report-expectation", "delete", "/api/v1/reports/{report}/expectation/", api(403, 404, 204)),
    Row("api-replay-detail", "get", "/api/v1/replays/{replay}/", api(404, 404, 200)),
    Row("api-replay-results", "get", "/api/v1/replays/{replay}/results/", api(404, 404, 200)),
    Row("api-replay-detail", "get", "/api/v1/replays/{replay}/", api(200, 404, 404, admin=200), restricted=True,
        unowned=True, note="a restricted incident's replay: only who may see all its reports (here its reporter)"),
    Row("api-replay-results", "get", "/api/v1/replays/{replay}/results/", api(200, 404, 404, admin=200),
        restricted=True, unowned=True),
    Row("replays:detail", "get", "/replays/{replay}/", page(200, 404, 404, admin=200), restricted=True,
        unowned=True),
    Row("api-incident-list", "get", "/api/v1/incidents/", api(200, 200, 200)),
    Row("api-incident-detail", "get", "/api/v1/incidents/{incident}/", api(200, 200, 200)),
    Row("api-incident-detail", "get", "/api/v1/incidents/{incident}/", api(404, 404, 200), restricted=True),
    Row("api-incident-detail", "patch", "/api/v1/incidents/{incident}/", api(403, 403, 200),
        body={"severity": "high"}),
    Row("api-incident-detail", "patch", "/api/v1/incidents/{incident}/", api(404, 404, 200),
        body={"severity": "high"}, restricted=True),
    Row("api-incident-transition", "post", "/api/v1/incidents/{incident}/transition/", api(403, 403, 200),
        body={"to": "triaged"}),
    Row("api-incident-merge", "post", "/api/v1/incidents/{incident}/merge/", api(403, 403, 200),
        body=lambda world: {"into": world.other_incident.pk}),
    Row("api-incident-merge", "post", "/api/v1/incidents/{incident}/merge/", api(404, 404, 200),
        body=lambda world: {"into": world.other_incident.pk}, restricted=True),
    Row("api-report-move", "post", "/api/v1/reports/{report}/move/", api(403, 404, 200), body={"incident": None},
        note="its reporter sees the report but may not regroup it"),
    Row("api-report-move", "post", "/api/v1/reports/{report}/move/", api(403, 404, 200),
        body=lambda world: {"incident": world.other_incident.pk}),
    Row("api-report-move", "post", "/api/v1/reports/{report}/move/", api(403, 404, 200), body={"incident": None},
        restricted=True),
    Row("chatops:slack-command", "post", "/integrations/slack/commands/", everyone(401, intake_bot=401),
        form=True, note="only a valid Slack signature opens it, whoever is signed in"),
    Row("chatops:mattermost-command", "post", "/integrations/mattermost/commands/", everyone(401, intake_bot=401),
        form=True),
    Row("login", "get", "/accounts/login/", everyone(200, anonymous=200, intake_bot=200)),
    Row("login", "post", "/accounts/login/", everyone(200, anonymous=200, intake_bot=200), form=True,
        body=_bot_sign_in, note="bots act through their tokens only: a password does not sign one in (200: "
                                "the form again, as for a wrong password)"),
    Row("logout", "post", "/accounts/logout/", everyone(302, anonymous=302, intake_bot=302)),
    Row("home", "get", "/", page(200, 200, 200)),
    Row("accounts:tokens", "get", "/account/tokens/", page(200, 200, 200)),
    Row("accounts:account", "get", "/account/", page(200, 200, 200)),
    Row("accounts:account", "post", "/account/", page(302, 302, 302), form=True,
        body={"email_report_updates": "on"}, note="everyone changes their own settings only"),
    Row("reports:mine", "get", "/reports/mine/", page(200, 200, 200), note="a person's own reports only"),
    Row("accounts:token-create", "post", "/account/tokens/new/", page(201, 201, 201), form=True,
        body=lambda world: {"name": "matrix", "account": "{self}", "access": "full", "expires_in": "30"}),
    Row("accounts:token-revoke", "post", "/account/tokens/{member_token}/revoke/", page(404, 404, 404, admin=404)
        | {"member": 302}, form=True, note="only its owner revokes a person's key from the page"),
    Row("feedback:widget-key-create", "post", "/account/widget-keys/new/", page(400, 400, 201), form=True,
        body=lambda world: {"name": "matrix", "model": world.model.name, "allowed_origins": "https://shop.example"},
        note="only models the person works on are offered: another model is not a valid choice (400)"),
    Row("feedback:widget-key-revoke", "post", "/account/widget-keys/{widget_key}/revoke/", page(404, 404, 302),
        form=True, note="the model's team (and admins) revoke its widget keys"),
    Row("accounts:bot-create", "post", "/account/bots/new/", page(403, 403, 403, admin=302), form=True,
        body={"username": "matrix-bot"}),
    Row("audit:search", "get", "/audit/", page(403, 403, 403, admin=200)),
    Row("registry:list", "get", "/models/", page(200, 200, 200)),
    Row("registry:detail", "get", "/models/{model}/", page(200, 200, 200)),
    Row("registry:surfaces", "post", "/models/{model}/surfaces/", page(403, 403, 302), form=True,
        body={"name": "Cellar page", "key": "cellar-page"}, note="the team keeps where its model's answers show"),
    Row("registry:suite-run", "post", "/models/{model}/suite/", page(403, 403, 302), form=True,
        body=lambda world: {"model_version": world.version.pk}, note="running the suite is team work"),
    Row("reports:list", "get", "/reports/", page(200, 200, 200)),
    Row("reports:new", "get", "/reports/new/", page(200, 200, 200)),
    Row("reports:prediction-preview", "get", "/reports/new/prediction/?model_version={version}&prediction_id={logged}",
        page(200, 200, 200), reveals=TEAM,
        note="anyone who may file sees that the id was found, when, and the answer; the team also sees the inputs"),
    Row("reports:prediction-preview", "get", "/reports/new/prediction/?model_version={version}&prediction_id=nope",
        page(404, 404, 404), note="found or not is all it tells anyone, and it tells everyone the same"),
    Row("api-prediction-log", "get", "/api/v1/predictions/?model={model}&prediction_id={logged}", api(403, 403, 200),
        note="searching the inference log is team work"),
    Row("reports:detail", "get", "/reports/{report}/", page(200, 404, 200)),
    Row("reports:attachment", "get", "/reports/{report}/attachments/{attachment}/",
        page(200, 404, 200) | {"intake_bot": 403}, note="a full-access token may download, an intake one not"),
    Row("reports:replay", "post", "/reports/{report}/replay/", page(403, 404, 302), form=True),
    Row("reports:expectation", "post", "/reports/{report}/expectation/", page(403, 404, 302), form=True,
        body={"predicate": "not_equals", "value": "virginica"}),
    Row("replays:detail", "get", "/replays/{replay}/", page(404, 404, 200)),
    Row("api-drift-list", "get", "/api/v1/drift/", api(200, 200, 200),
        note="drift is team work: the list holds only the models one works on"),
    Row("api-drift-list", "post", "/api/v1/drift/", api(403, 403, 202),
        body=lambda world: {"model": world.model.name, "model_version": world.version.version}),
    Row("api-drift-detail", "get", "/api/v1/drift/{drift}/", api(404, 404, 200)),
    Row("api-report-forensics", "get", "/api/v1/reports/{report}/forensics/", api(404, 404, 200),
        note="neighbours and prevalence come from training data and the log: the reporter sees the checks only"),
    Row("api-report-forensics", "post", "/api/v1/reports/{report}/forensics/", api(403, 404, 202), body={}),
    Row("forensics:model-drift", "get", "/forensics/models/{model}/drift/", page(403, 403, 200)),
    Row("forensics:drift-start", "post", "/forensics/models/{model}/drift/new/", page(403, 403, 302), form=True,
        body=lambda world: {"model_version": world.version.pk, "hours": 24}),
    Row("forensics:drift-detail", "get", "/forensics/drift/{drift}/", page(404, 404, 200)),
    Row("forensics:report-recompute", "post", "/forensics/reports/{report}/recompute/", page(403, 404, 302),
        form=True),
    Row("api-report-diagnosis", "get", "/api/v1/reports/{report}/diagnosis/", api(200, 404, 200),
        note="whoever sees the report sees its diagnosis, without the team's data (log, drift, training rows)"),
    Row("api-report-diagnosis", "post", "/api/v1/reports/{report}/diagnosis/", api(403, 404, 202), body={}),
    Row("api-incident-diagnosis", "get", "/api/v1/incidents/{incident}/diagnosis/", api(200, 200, 200),
        note="aggregated over the incident's reports the reader may see"),
    Row("api-incident-diagnosis", "get", "/api/v1/incidents/{incident}/diagnosis/", api(404, 404, 200),
        restricted=True),
    Row("diagnosis:report-card", "get", "/diagnosis/reports/{report}/", page(200, 404, 200)),
    Row("diagnosis:report-recompute", "post", "/diagnosis/reports/{report}/recompute/", page(403, 404, 302),
        form=True),
    Row("diagnosis:incident-card", "get", "/diagnosis/incidents/{incident}/", page(200, 200, 200)),
    Row("diagnosis:incident-card", "get", "/diagnosis/incidents/{incident}/", page(404, 404, 200), restricted=True),
    Row("incidents:list", "get", "/incidents/", page(200, 200, 200)),
    Row("incidents:access", "post", "/incidents/{incident}/access/", page(403, 403, 302), form=True,
        body={"restricted": "on"}, note="restricting and naming people is the team's"),
    Row("incidents:detail", "get", "/incidents/{incident}/", page(200, 200, 200)),
    Row("incidents:detail", "get", "/incidents/{incident}/", page(404, 404, 200), restricted=True),
    Row("incidents:merge", "post", "/incidents/{incident}/merge/", page(403, 403, 302), form=True,
        body=lambda world: {"into": world.other_incident.pk}),
    Row("incidents:merge", "post", "/incidents/{incident}/merge/", page(404, 404, 302), form=True,
        body=lambda world: {"into": world.other_incident.pk}, restricted=True),
    Row("incidents:transition", "get", "/incidents/{incident}/transition/?to=triaged", page(403, 403, 200),
        note="the move's form, in place on the incident page"),
    Row("incidents:transition", "post", "/incidents/{incident}/transition/", page(403, 403, 302), form=True,
        body={"to": "triaged"}),
    Row("incidents:transition", "post", "/incidents/{incident}/transition/", page(404, 404, 302), form=True,
        body={"to": "triaged"}, restricted=True),
    Row("incidents:update", "post", "/incidents/{incident}/update/", page(403, 403, 302), form=True,
        body={"severity": "high"}),
    # Replaying runs the model: its team's (and an admin's) work, like POST /api/v1/replays/.
    Row("incidents:replay", "post", "/incidents/{incident}/replay/", page(403, 403, 302), form=True,
        body={"model_version": "1.0"}),
    Row("incidents:replay", "post", "/incidents/{incident}/replay/", page(404, 404, 302), form=True,
        body={"model_version": "1.0"}, restricted=True),
    Row("incidents:replays", "get", "/incidents/{incident}/replays/", page(403, 403, 200),
        note="the replay panel the incident page polls while a run is in progress"),
    Row("incidents:replays", "get", "/incidents/{incident}/replays/", page(404, 404, 200), restricted=True),
    Row("reports:link-prediction", "post", "/reports/{waiting}/prediction/", page(403, 404, 302), form=True,
        body=lambda world: {"prediction_id": world.logged_id}),
    Row("reports:assign-model", "post", "/reports/{unsorted}/model/", page(403, 404, 404, admin=302), form=True,
        body=lambda world: {"model": world.model.name}),
    Row("reports:move", "post", "/reports/{report}/move/", page(403, 404, 302), form=True, body={"incident": ""}),
    # Post-mortem pages: whoever sees the incident reads its post-mortem; its team writes it;
    # reviewers (not the proposer) decide action points. The world's post-mortem is a draft by
    # `member`, with one unchecked hypothesis, one timeline entry and one proposed action point.
    Row("incidents:evidence-add", "post", "/incidents/{incident}/evidence/", page(403, 403, 302), form=True,
        body={"kind": "link", "url": "https://logs.example.com/q/1"}),
    Row("postmortems:editor", "get", "/incidents/{incident}/postmortem/", page(200, 200, 200)),
    Row("postmortems:editor", "get", "/incidents/{incident}/postmortem/", page(404, 404, 200), restricted=True),
    Row("postmortems:start", "post", "/incidents/{incident}/postmortem/start/", page(403, 403, 302), form=True),
    Row("postmortems:section-save", "post", "/incidents/{incident}/postmortem/sections/summary/",
        page(403, 403, 302), form=True, body={"version": 1, "summary": "matrix"}),
    Row("postmortems:transition", "post", "/incidents/{incident}/postmortem/transition/", page(403, 403, 302),
        form=True, body={"to": "in_review"}),
    Row("postmortems:impact-measure", "post", "/incidents/{incident}/postmortem/impact/measure/",
        page(403, 403, 302), form=True),
    Row("postmortems:timeline-add", "post", "/incidents/{incident}/postmortem/timeline/", page(403, 403, 302),
        form=True, body={"at": "2026-01-05T10:00", "text": "matrix"}),
    Row("postmortems:timeline-delete", "post", "/incidents/{incident}/postmortem/timeline/{entry}/delete/",
        page(403, 403, 302), form=True),
    Row("postmortems:why-add", "post", "/incidents/{incident}/postmortem/whys/", page(403, 403, 302), form=True,
        body={"question": "Why?", "answer": "Because."}),
    Row("postmortems:why-draft", "post", "/incidents/{incident}/postmortem/whys/draft/", page(403, 403, 302),
        form=True, note="drafting the whys from the diagnosis is the post-mortem's team's"),
    Row("postmortems:why-decide", "post", "/incidents/{incident}/postmortem/whys/{node}/decide/",
        page(403, 403, 302), form=True, body={"status": "refuted", "note": "The log says otherwise."}),
    Row("postmortems:why-evidence", "post", "/incidents/{incident}/postmortem/whys/{node}/evidence/",
        page(403, 403, 302), form=True, body={"evidence_note": "matrix"}),
    Row("postmortems:why-delete", "post", "/incidents/{incident}/postmortem/whys/{node}/delete/",
        page(403, 403, 302), form=True),
    Row("postmortems:action-propose", "post", "/incidents/{incident}/postmortem/actions/", page(403, 403, 302),
        form=True, body={"title": "matrix", "kind": "detective", "scope": "category", "priority": "P2"}),
    Row("postmortems:action-review", "post", "/incidents/{incident}/postmortem/actions/{item}/review/",
        page(403, 403, 302) | {"member": 403}, form=True, body={"decision": "accept"},
        note="member proposed it, and is no reviewer: four eyes"),
    Row("postmortems:comment-add", "post", "/incidents/{incident}/postmortem/comments/", page(403, 403, 302),
        form=True, body={"section": "facts", "body": "matrix"}),
    Row("postmortems:revision", "get", "/incidents/{incident}/postmortem/revision/", page(200, 200, 200)),
    Row("postmortems:revision", "get", "/incidents/{incident}/postmortem/revision/", page(404, 404, 200),
        restricted=True),
    Row("postmortems:presenter", "post", "/incidents/{incident}/postmortem/presenter/", page(403, 403, 200),
        form=True, body={"section": "whys", "take_over": "1"},
        note="the team presents the review meeting; whoever sees the post-mortem only follows"),
    Row("postmortems:presenter", "post", "/incidents/{incident}/postmortem/presenter/", page(404, 404, 200),
        form=True, body={"section": "whys", "take_over": "1"}, restricted=True),
    Row("postmortems:fragment", "get", "/incidents/{incident}/postmortem/fragments/whys/", page(200, 200, 200)),
    Row("postmortems:print", "get", "/incidents/{incident}/postmortem/print/", page(200, 200, 200)),
    Row("postmortems:export", "get", "/incidents/{incident}/postmortem/export.md", page(409, 409, 409),
        note="a draft is not exported (409); a published one is, to whoever sees it"),
    Row("postmortems:export", "get", "/incidents/{incident}/postmortem/export.md", page(404, 404, 409),
        restricted=True),
    Row("postmortems:meeting-agenda", "get", "/postmortems/meeting/", page(200, 200, 200)),
    Row("postmortems:meeting", "get", "/postmortems/meeting/{incident}/", page(200, 200, 200)),
    Row("postmortems:meeting", "get", "/postmortems/meeting/{incident}/", page(404, 404, 200), restricted=True),
    Row("api-postmortem", "get", "/api/v1/incidents/{incident}/postmortem/", api(200, 200, 200),
        note="a post-mortem is as visible as its incident: blameless write-ups are meant to be read"),
    Row("api-postmortem", "get", "/api/v1/incidents/{incident}/postmortem/", api(404, 404, 200), restricted=True),
    Row("api-postmortem", "post", "/api/v1/incidents/{incident}/postmortem/", api(403, 403, 200),
        note="it exists already: starting again answers it"),
    Row("api-postmortem", "patch", "/api/v1/incidents/{incident}/postmortem/", api(403, 403, 428),
        body={"summary": "x"}, note="the team gets as far as the missing If-Match"),
    Row("api-postmortem-transition", "post", "/api/v1/incidents/{incident}/postmortem/transition/",
        api(403, 403, 200), body={"to": "in_review"}),
    Row("api-postmortem-impact", "post", "/api/v1/incidents/{incident}/postmortem/impact/", api(403, 403, 200)),
    Row("api-why-node-list", "get", "/api/v1/incidents/{incident}/postmortem/why-nodes/", api(200, 200, 200)),
    Row("api-why-node-list", "post", "/api/v1/incidents/{incident}/postmortem/why-nodes/", api(403, 403, 201),
        body={"question": "Why?", "answer": "Because"}),
    Row("api-why-node-detail", "get", "/api/v1/incidents/{incident}/postmortem/why-nodes/{node}/",
        api(200, 200, 200)),
    Row("api-why-node-detail", "patch", "/api/v1/incidents/{incident}/postmortem/why-nodes/{node}/",
        api(403, 403, 200), body={"how_to_check": "Look at the log"}),
    Row("api-why-node-detail", "delete", "/api/v1/incidents/{incident}/postmortem/why-nodes/{node}/",
        api(403, 403, 204)),
    Row("api-why-node-decision", "post", "/api/v1/incidents/{incident}/postmortem/why-nodes/{node}/decision/",
        api(403, 403, 200), body={"status": "refuted", "note": "The log says otherwise"}),
    Row("api-postmortem-timeline", "get", "/api/v1/incidents/{incident}/postmortem/timeline/", api(200, 200, 200)),
    Row("api-postmortem-timeline", "post", "/api/v1/incidents/{incident}/postmortem/timeline/", api(403, 403, 201),
        body={"at": "2026-01-02T03:04:05Z", "text": "Noticed"}),
    Row("api-postmortem-timeline-entry", "delete", "/api/v1/incidents/{incident}/postmortem/timeline/{entry}/",
        api(403, 403, 204)),
    Row("api-postmortem-comments", "get", "/api/v1/incidents/{incident}/postmortem/comments/", api(200, 200, 200)),
    Row("api-postmortem-comments", "post", "/api/v1/incidents/{incident}/postmortem/comments/", api(403, 403, 201),
        body={"section": "facts", "body": "Which version?"}),
    Row("api-postmortem-action-items", "get", "/api/v1/incidents/{incident}/postmortem/action-items/",
        api(200, 200, 200)),
    Row("api-postmortem-action-items", "post", "/api/v1/incidents/{incident}/postmortem/action-items/",
        api(403, 403, 201), body={"title": "Alert on range", "kind": "detective"}),
    Row("api-action-item-review", "post", "/api/v1/action-items/{item}/review/", api(403, 403, 200) | {"member": 403},
        body={"decision": "reject", "reason": "Covered elsewhere"},
        note="the member proposed it: a reviewer who did not decides (four eyes)"),
    Row("api-incident-evidence", "get", "/api/v1/incidents/{incident}/evidence/", api(200, 200, 200)),
    Row("api-incident-evidence", "post", "/api/v1/incidents/{incident}/evidence/", api(403, 403, 201),
        body={"kind": "note", "note": "The account is shared"}),
    # Action items: whoever sees the incident sees its tickets; the owning team (and a ticket's
    # owner, who is none of these roles here) changes them. `{ticket}` is a ticket owned by member.
    Row("api-action-item-list", "get", "/api/v1/action-items/", api(200, 200, 200)),
    Row("api-action-item-detail", "get", "/api/v1/action-items/{ticket}/", api(200, 200, 200)),
    Row("api-action-item-detail", "get", "/api/v1/action-items/{ticket}/", api(404, 404, 200), restricted=True),
    Row("api-action-item-detail", "patch", "/api/v1/action-items/{ticket}/", api(403, 403, 200),
        body={"priority": "P1"}),
    Row("api-action-item-detail", "patch", "/api/v1/action-items/{ticket}/", api(404, 404, 200),
        body={"priority": "P1"}, restricted=True),
    Row("api-action-item-transition", "post", "/api/v1/action-items/{ticket}/transition/", api(403, 403, 200),
        body={"to": "in_progress"}),
    Row("api-action-item-comments", "get", "/api/v1/action-items/{ticket}/comments/", api(200, 200, 200)),
    Row("api-action-item-comments", "post", "/api/v1/action-items/{ticket}/comments/", api(403, 403, 201),
        body={"body": "On it."}),
    Row("api-action-item-export", "post", "/api/v1/action-items/{ticket}/export/", api(403, 403, 409),
        note="409 for the team: no tracker is configured in the tests"),
    Row("search:page", "get", "/search/?q=odd", page(200, 200, 200), reveals=(),
        note="results are scoped per object (tests/search); nobody finds the logged inputs"),
    Row("api-search", "get", "/api/v1/search/?q=odd", api(200, 200, 200), reveals=()),
    Row("actions:board", "get", "/actions/", page(200, 200, 200)),
    Row("actions:mine", "get", "/actions/mine/", page(200, 200, 200)),
    Row("actions:detail", "get", "/actions/{ticket}/", page(200, 200, 200)),
    Row("actions:detail", "get", "/actions/{ticket}/", page(404, 404, 200), restricted=True),
    Row("actions:transition", "post", "/actions/{ticket}/transition/", page(403, 403, 302), form=True,
        body={"to": "in_progress"}),
    Row("actions:update", "post", "/actions/{ticket}/edit/", page(403, 403, 302), form=True,
        body=lambda world: {"owner": "member", "priority": "P1", "external_url": "",
                            "due_date": world.ticket.due_date.isoformat()}),
    Row("actions:comment", "post", "/actions/{ticket}/comments/", page(403, 403, 302), form=True, body={"body": "x"}),
    Row("actions:export", "post", "/actions/{ticket}/export/", page(403, 403, 302), form=True),
    # Learning across incidents: change events are team work (a bot of the team records them
    # with an intake key); tags and similarity marks are changes to the incident; merging tags
    # is for admins; contributing factors are post-mortem edits.
    Row("api-change-list", "get", "/api/v1/changes/?model={model}", everyone(200),
        note="everyone may ask; the list holds only the changes of models the asker works on"),
    Row("api-change-list", "post", "/api/v1/changes/", api(403, 403, 201, intake_bot=201),
        body=lambda world: {"model": world.model.name, "kind": "deploy", "description": "matrix"}),
    Row("api-change-list", "post", "/api/v1/changes/", api(403, 403, 201, intake_bot=403), foreign_bot=True,
        body=lambda world: {"model": world.model.name, "kind": "deploy", "description": "matrix"},
        note="a bot records changes only of its own team's models"),
    Row("api-incident-similar", "post", "/api/v1/incidents/{incident}/similar/", api(403, 403, 200),
        body=lambda world: {"other": world.other_incident.pk, "verdict": "not_similar"}),
    Row("api-incident-similar", "post", "/api/v1/incidents/{incident}/similar/", api(404, 404, 200),
        body=lambda world: {"other": world.other_incident.pk, "verdict": "similar"}, restricted=True),
    Row("incidents:tags", "get", "/incidents/tags/", page(200, 200, 200)),
    Row("incidents:tag-merge", "post", "/incidents/tags/merge/", page(403, 403, 403, admin=302), form=True,
        body=lambda world: {"source": world.tag.pk, "into": world.other_tag.pk}),
    Row("incidents:tag-add", "post", "/incidents/{incident}/tags/", page(403, 403, 302), form=True,
        body={"name": "matrix"}),
    Row("incidents:tag-add", "post", "/incidents/{incident}/tags/", page(404, 404, 302), form=True,
        body={"name": "matrix"}, restricted=True),
    Row("incidents:tag-remove", "post", "/incidents/{incident}/tags/{tag}/remove/", page(403, 403, 302), form=True),
    Row("incidents:similar-mark", "post", "/incidents/{incident}/similar/", page(403, 403, 302), form=True,
        body=lambda world: {"other": world.other_incident.pk, "verdict": "not_similar"}),
    Row("incidents:similar-mark", "post", "/incidents/{incident}/similar/", page(404, 404, 302), form=True,
        body=lambda world: {"other": world.other_incident.pk, "verdict": "similar"}, restricted=True),
    Row("postmortems:factor-add", "post", "/incidents/{incident}/postmortem/factors/", page(403, 403, 302),
        form=True, body={"category": "data_drift", "description": "matrix", "certainty": "known"}),
    Row("postmortems:factor-update", "post", "/incidents/{incident}/postmortem/factors/{factor}/",
        page(403, 403, 302), form=True,
        body=lambda world: {f"factor{world.factor.pk}-{name}": value for name, value in (
            ("category", "data_drift"), ("description", "matrix"), ("certainty", "potential"))}),
    Row("postmortems:factor-delete", "post", "/incidents/{incident}/postmortem/factors/{factor}/delete/",
        page(403, 403, 302), form=True),
    # Insights: everyone signed in sees the figures over what they may see (the figures' tests pin the scope).
    Row("api-insights", "get", "/api/v1/insights/", api(200, 200, 200)),
    Row("insights:page", "get", "/insights/", page(200, 200, 200)),
    Row("insights:csv", "get", "/insights/insights.csv", page(200, 200, 200)),
]

# URL names whose access is Django's own (the admin site checks is_staff itself).
EXEMPT_PREFIXES = ("admin:",)


def _url_names(patterns, namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace) if part) or None
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_has_a_row():
    names = {name for name in _url_names(get_resolver().url_patterns) if not name.startswith(EXEMPT_PREFIXES)}
    missing = names - {row.name for row in MATRIX}

    assert not missing, f"Decide who may use these URLs and add rows to MATRIX: {sorted(missing)}"


def _client(world, role: str, *, foreign_bot: bool = False):
    if role == "anonymous":
        return APIClient()
    if role == "intake_bot":
        bot = world.other_bot if foreign_bot else world.bot
        key = api_token_create(username=bot.username, name="matrix", scopes=INTAKE_SCOPES).key
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client
    user = getattr(world, role)
    client = APIClient()
    client.force_login(user)
    client.user = user
    return client


def _request(world, row: Row, role: str):
    client = _client(world, role, foreign_bot=row.foreign_bot)
    body = row.body(world) if callable(row.body) else row.body
    if isinstance(body, dict) and body.get("account") == "{self}":
        body = body | {"account": getattr(getattr(client, "user", None), "username", "nobody")}
    path = row.path.format(report=world.report.pk, incident=world.incident.pk, model=world.model.name,
                           replay=world.replay.pk, member_token=world.member_token.pk,
                           attachment=world.attachment.pk, version=world.version.pk, logged=world.logged_id,
                           drift=world.drift.pk, node=world.node.pk, entry=world.entry.pk, item=world.item.pk,
                           ticket=world.ticket.pk, widget_key=world.widget_key.pk, tag=world.tag.pk,
                           factor=world.factor.pk, waiting=world.waiting.pk, unsorted=world.unsorted.pk)
    if row.form or row.method == "get":
        # Pages post forms; the API takes JSON.
        return getattr(client, row.method)(path, body or {})
    return getattr(client, row.method)(path, body, format="json")


@pytest.mark.parametrize("row", MATRIX, ids=lambda row: f"{row.method.upper()} {row.name}"
                         + (" (restricted)" if row.restricted else "")
                         + (" (another team's bot)" if row.foreign_bot else "")
                         + (" (by prediction id)" if row.body is _by_id else "")
                         + (" (by lookup)" if row.body is _by_lookup else "")
                         + (" (no team)" if row.unowned else ""))
def test_permission_matrix(row: Row):
    world = access_world()
    world.replay = replay_start(actor=world.member, model_version=world.version, reports=[world.report])
    expected_outcome_set(actor=world.member, report=world.report, predicate="not_equals", value="virginica")
    world.member_token = api_token_create(username=world.member.username, name="member's").token
    world.widget_key = publishable_key_create(model_name=world.model.name, name="shop", actor=world.member,
                                              allowed_origins=["https://shop.example"]).key
    world.logged_id = _prediction(world)[0]["prediction_id"]
    predictions_log(rows=_prediction(world))
    world.attachment = report_attachment_add(report=world.report, upload=_png(), actor=world.reporter)
    world.sibling = file_report(reporter=world.reporter, version=world.version, index=1)
    world.other_incident = file_report(reporter=world.reporter, version=world.version, index=100,
                                       output="virginica").incident
    assert world.sibling.incident_id == world.incident.pk != world.other_incident.pk
    world.drift = drift_report_request(model_version=world.version, actor=world.member)
    # Filed with nothing but what the reporter saw: one about the model (inputs missing), one about no model.
    world.waiting = report_create(reporter=world.reporter, model_name=world.model.name, title="It looked wrong")
    world.unsorted = report_create(reporter=world.reporter, title="Something looked wrong somewhere")
    postmortem_start(incident_id=world.incident.pk, actor=world.member)
    world.node = why_node_add(incident_id=world.incident.pk, actor=world.member, question="Why?", answer="Because")
    world.entry = timeline_entry_add(incident_id=world.incident.pk, actor=world.member,
                                     at=timezone.now() - timedelta(hours=1), text="Noticed")
    world.item = action_item_propose(incident_id=world.incident.pk, actor=world.member, title="Alert",
                                     kind="detective")
    # A ticket (accepted from a proposal by member, owned by member) for the action-item rows.
    world.ticket = accepted_ticket(world)
    world.tag = incident_tag_add(incident_id=world.incident.pk, actor=world.member, name="matrix-tag")
    world.other_tag = incident_tag_add(incident_id=world.other_incident.pk, actor=world.member, name="other-tag")
    world.factor = contributing_factor_add(incident_id=world.incident.pk, actor=world.member,
                                           category="feature_pipeline", description="Units changed")
    world.other_bot = bot_account_create(username="other-team-bot")
    membership_set(team=world.other_team, user=world.other_bot, role="member")
    if row.unowned:
        Model.objects.filter(pk=world.model.pk).update(team=None)
    if row.restricted:
        incident_update(incident_id=world.incident.pk, actor=None, restricted=True)

    actual, revealed = {}, set()
    for role in ROLES:
        # Each role starts from the same world: what one role changes is rolled back.
        with transaction.atomic():
            response = _request(world, row, role)
            actual[role] = response.status_code
            if row.reveals is not None and response.status_code < 300 \
                    and str(LOGGED_SECRET) in response.content.decode():
                revealed.add(role)
            transaction.set_rollback(True)

    assert actual == row.expected
    if row.reveals is not None:
        assert revealed == set(row.reveals), "the logged input values reach exactly the team"


# Chat `status ID`: whoever is in a channel may ask, so a report's title and its incident's
# action items are told only in the platform and channel it was filed from. Everywhere else
# the answer is word for word the one for an id that does not exist.
@dataclass(frozen=True)
class ChatAsk:
    name: str
    platform: str
    channel_id: str
    channel_name: str
    team_id: str
    answered: bool


FILED_FROM = ("slack", "C-ML", "ml-wtf", "T1")
CHAT_STATUS: list[ChatAsk] = [
    ChatAsk("same channel", "slack", "C-ML", "ml-wtf", "T1", answered=True),
    ChatAsk("another channel", "slack", "C-OPS", "ops", "T1", answered=False),
    ChatAsk("a new channel with the old name", "slack", "C-NEW", "ml-wtf", "T1", answered=False),
    ChatAsk("the same channel id in another workspace", "slack", "C-ML", "ml-wtf", "T2", answered=False),
    ChatAsk("the other platform", "mattermost", "C-ML", "ml-wtf", "T1", answered=False),
]


def _chat(platform: str, *, text: str, channel_id: str, channel_name: str, team_id: str, trigger: str):
    body = urlencode({"command": "/wtf", "text": text, "user_id": "U1", "user_name": "ada", "trigger_id": trigger,
                      "channel_id": channel_id, "channel_name": channel_name, "team_id": team_id,
                      "token": settings.MATTERMOST_TOKEN})
    now = str(int(time.time()))
    signature = "v0=" + hmac.new(settings.SLACK_SIGNING_SECRET.encode(), f"v0:{now}:{body}".encode(),
                                 hashlib.sha256).hexdigest()
    return APIClient().post(f"/integrations/{platform}/commands/", body,
                            content_type="application/x-www-form-urlencoded",
                            HTTP_X_SLACK_REQUEST_TIMESTAMP=now, HTTP_X_SLACK_SIGNATURE=signature).json()["text"]


@pytest.mark.parametrize("ask", CHAT_STATUS, ids=lambda ask: ask.name)
def test_chat_status_matrix(ask: ChatAsk):
    world = access_world()
    predictions_log(rows=_prediction(world))
    platform, channel_id, channel_name, team_id = FILED_FROM
    _chat(platform, text=f"{world.model.name} {_prediction(world)[0]['prediction_id']} the invoice looks off",
          channel_id=channel_id, channel_name=channel_name, team_id=team_id, trigger="file")
    report = Report.objects.get(channel=platform)

    answer = _chat(ask.platform, text=f"status {report.pk}", channel_id=ask.channel_id,
                   channel_name=ask.channel_name, team_id=ask.team_id, trigger="ask")
    unknown = _chat(ask.platform, text=f"status {report.pk + 1000}", channel_id=ask.channel_id,
                    channel_name=ask.channel_name, team_id=ask.team_id, trigger="unknown")

    assert ("the invoice looks off" in answer) is ask.answered
    if not ask.answered:
        assert answer == unknown.replace(str(report.pk + 1000), str(report.pk))
