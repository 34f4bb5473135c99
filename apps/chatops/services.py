"""Slash commands from Slack and Mattermost: `help`, `status ID`, and free text that files a
report. The text names the model (unless there is only one, or CHATOPS_DEFAULT_MODEL says)
and carries a prediction id, whose logged inputs become the report's facts."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q

from apps.accounts.services import bot_account_create
from apps.actions.selectors import action_items_blocking_close
from apps.core.errors import Conflict, DomainError
from apps.core.idempotency import run_idempotently
from apps.predictions.models import Prediction
from apps.registry.models import Model
from apps.reports.models import Channel
from apps.reports.selectors import report_list
from apps.reports.services import report_create

from .follow_up import chat_follow_up_on_commit, response_url_allowed
from .models import ChatOrigin
from .parsing import parse_command, words

HELP = (
    "File a WTF report: `{command} what you saw`, e.g. `{command} the men's homepage shows a handbag in the last-seen "
    "box`. Name the model first and add the prediction id if you have them: "
    "`{command} wine-cultivar wine-00042 every wine is the same cultivar`.\n"
    "`{command} status 12` shows what became of report WTF-12 and the open action items of its incident. "
    "Models: {models}."
)


@dataclass(frozen=True)
class ChatCommand:
    platform: str  # Channel.SLACK or Channel.MATTERMOST
    text: str
    command: str = "/wtf"
    user_id: str = ""
    user_name: str = ""
    channel_name: str = ""
    # The platform's own ids: a channel's name can be reused or renamed, its id cannot.
    channel_id: str = ""
    team_id: str = ""
    trigger_id: str = ""  # unique per invocation: a retry of the same one files nothing twice
    response_url: str = ""  # where to post the replay verdict later


def _reply(text: str) -> dict:
    return {"response_type": "ephemeral", "text": text}


def chat_bot_user(platform: str):
    """Reports from a chat platform are filed by its bot account, with the person's chat
    name kept in the report's context. The first command creates it (audited, by the system)."""
    username = f"{platform}-bot"
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return bot_account_create(username=username, description=f"Files reports from {platform} slash commands.")
    except (Conflict, IntegrityError):  # a command that came in at the same moment created it
        return User.objects.get(username=username)


def _model_names() -> list[str]:
    return list(Model.objects.order_by("name").values_list("name", flat=True)[:20])


def _help(command: ChatCommand, prefix: str = "") -> dict:
    text = HELP.format(command=command.command, models=", ".join(_model_names()) or "none registered yet")
    return _reply(f"{prefix}\n{text}".strip())


def _same_channel(command: ChatCommand) -> Q | None:
    """Reports filed from the channel the command comes from (the platform is the bot's).
    By the channel's id (and workspace, when the platform sends one); reports filed before ids
    were kept are matched by the channel's name. None when the command names no channel."""
    without_id = Q(context__chat_channel_id__isnull=True) | Q(context__chat_channel_id="")
    by_name = Q(context__chat_channel=command.channel_name) & without_id if command.channel_name else None
    if not command.channel_id:
        return by_name
    by_id = Q(context__chat_channel_id=command.channel_id)
    if command.team_id:
        by_id &= Q(context__chat_team_id=command.team_id)
    return by_id | by_name if by_name is not None else by_id


def _status(command: ChatCommand, bot, report_id: int) -> dict:
    # Only reports filed from this platform and channel: anyone in a channel can ask, and ids
    # are sequential, so the bot tells nothing that was filed elsewhere — not even that it exists.
    channel = _same_channel(command)
    report = None
    if channel is not None:
        report = report_list(user=bot).filter(channel, reporter=bot, pk=report_id).first()
    if report is None:
        return _reply(f"I know no report WTF-{report_id} filed from {command.platform.title()}.")
    incident = report.incident
    if incident is None:
        return _reply(f"WTF-{report.pk} “{report.title}” waits in the Unsorted inbox: a triager will pass it to the "
                      f"team of the model it is about. {settings.SITE_URL}{report.get_absolute_url()}")
    text = (f"WTF-{report.pk} “{report.title}”: incident INC-{incident.pk} is *{incident.get_status_display()}*. "
            f"{settings.SITE_URL}{report.get_absolute_url()}")
    if incident.status == "declined" and incident.resolution_note and not incident.restricted:
        text += f"\nWhy this is expected: {incident.resolution_note[:1000]}"
    if not incident.restricted:
        text += _open_action_items(incident.pk)
    return _reply(text)


MAX_LISTED_ITEMS = 10


def _open_action_items(incident_id: int) -> str:
    """What is still being done about it: the incident's open tickets (the same list that keeps
    it from closing)."""
    open_items = action_items_blocking_close(incident_id=incident_id)
    if not open_items:
        return ""
    lines = [f"\nOpen action items ({len(open_items)}):"]
    for item in open_items[:MAX_LISTED_ITEMS]:
        due = f", due {item.due_date.isoformat()}" if item.due_date else ""
        late = " — OVERDUE" if item.is_overdue else ""
        owner = item.owner.get_username() if item.owner_id else "no owner"
        lines.append(f"• AI-{item.pk} “{item.title}” ({item.get_status_display().lower()}, {owner}{due}){late}")
    if len(open_items) > MAX_LISTED_ITEMS:
        lines.append(f"… and {len(open_items) - MAX_LISTED_ITEMS} more.")
    return "\n".join(lines)


def _pick_model(candidates: list[str]) -> tuple[Model | None, str]:
    lowered = {word.lower() for word in candidates[:3]}
    named = [model for model in Model.objects.filter(name__in=candidates[:3]) if model.name.lower() in lowered]
    if named:
        return named[0], named[0].name
    default = getattr(settings, "CHATOPS_DEFAULT_MODEL", "")
    if default:
        return Model.objects.filter(name=default).first(), ""
    only = list(Model.objects.all()[:2])
    return (only[0], "") if len(only) == 1 else (None, "")


def _logged_anywhere(candidates: list[str]) -> Model | None:
    """With no model named: the one model whose log holds an id from the message, if exactly one."""
    model_ids = set(Prediction.objects.filter(prediction_id__in=candidates).values_list("model_id", flat=True)[:2])
    return Model.objects.filter(pk=model_ids.pop()).first() if len(model_ids) == 1 else None


def _has_words(text: str) -> bool:
    """Letters or digits in any script: a message of only emoji or punctuation says nothing."""
    return any(char.isalnum() for char in text)


def _file_report(command: ChatCommand, bot, text: str) -> dict:
    """Files what the person says. With a logged prediction id (of the named model, the
    default, or the one model whose log holds it), from the logged inputs; without one, the
    report is filed anyway — for the model when one is named or is the default, else in the
    Unsorted inbox — and the answer asks for an id or a screenshot on the report's page."""
    candidates = words(text)
    model, model_word = _pick_model(candidates)
    if model is None:
        model = _logged_anywhere(candidates)
    found = []
    if model is not None:
        found = list(Prediction.objects.filter(model=model, prediction_id__in=candidates)
                     .values_list("prediction_id", flat=True)[:5])
    if len(found) > 1:
        return _reply(f"Your message names several predictions ({', '.join(found)}): send one report per id.")
    prediction_id = found[0] if found else None
    what = " ".join(word for word in text.split() if word not in {model_word, prediction_id})
    if not _has_words(what) and prediction_id is None:
        return _help(command, "Tell me in words what looked wrong, e.g. "
                              f"`{command.command} the men's homepage shows a handbag in the last-seen box`.")
    report = report_create(
        reporter=bot, model_name=model.name if model else None, prediction_id=prediction_id,
        title=(what if _has_words(what) else "Reported from chat")[:200], description=text,
        context={"chat_platform": command.platform, "chat_user": command.user_name[:100],
                 "chat_user_id": command.user_id[:100], "chat_channel": command.channel_name[:100],
                 "chat_channel_id": command.channel_id[:100], "chat_team_id": command.team_id[:100]},
        channel=command.platform,
    )
    _remember_origin(command, report)
    link = f"{settings.SITE_URL}{report.get_absolute_url()}"
    if prediction_id is not None:
        chat_follow_up_on_commit(report=report, platform=command.platform, response_url=command.response_url)
        return _reply(f"Thanks, filed WTF-{report.pk} for {model.name} (prediction {prediction_id}): {link}. "
                      "I am replaying it and will tell you here.")
    where = f"for {model.name}" if model else "in the Unsorted inbox (a triager will pass it to the right team)"
    return _reply(f"Thanks, filed WTF-{report.pk} {where}: {link}. Have the prediction id (often on the screen or "
                  "in the page's log) or a screenshot? Add it on that page — it shows the team exactly what the model "
                  f"saw. `{command.command} status {report.pk}` tells you any time what became of it.")


def _remember_origin(command: ChatCommand, report) -> None:
    """To answer the person when the incident moves (hear_back.py)."""
    allowed = response_url_allowed(platform=command.platform, url=command.response_url)
    ChatOrigin.objects.create(report=report, platform=command.platform, user_id=command.user_id[:100],
                              user_name=command.user_name[:100],
                              response_url=command.response_url[:500] if allowed else "")


def chat_command_handle(*, command: ChatCommand) -> dict:
    """Answers a slash command with an ephemeral message (a dict for the platform's JSON)."""
    if command.platform not in (Channel.SLACK, Channel.MATTERMOST):
        raise ValueError(f"Unknown chat platform {command.platform!r}")
    bot = chat_bot_user(command.platform)
    parsed = parse_command(command.text)
    if parsed.kind == "help":
        return _help(command, parsed.text)
    if parsed.kind == "status":
        return _status(command, bot, parsed.report_id)

    def file() -> tuple[int, dict]:
        try:
            return 200, _file_report(command, bot, parsed.text)
        except DomainError as error:
            # Answered in the chat, not as an HTTP error: the person needs to read it there.
            return 200, _reply(f"I could not file that: {error.detail}")

    _, body = run_idempotently(user=bot, scope=f"{command.platform}.command", key=command.trigger_id or None,
                               data={"text": parsed.text, "user": command.user_id}, action=file)
    return body
