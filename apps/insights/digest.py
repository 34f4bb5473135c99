"""The weekly digest: each team hears on Monday morning, by e-mail (every member with an address)
and in its chat channel, what opened and what is still open, the action items overdue, the
post-mortems owed or waiting for review, and last week's figures, with links. A team's digest
for a week is claimed first under a unique constraint (DigestSent), so a second run — two beats,
a retry, a restart — sends nothing twice."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import Team
from apps.accounts.selectors import team_people
from apps.actions.models import UNFINISHED_STATUSES, ActionItem, ReviewState
from apps.core.dates import day_end, day_start
from apps.core.humanize import counted, duration
from apps.incidents.models import ACTIVE_STATUSES, Incident
from apps.notifications.models import ModelWebhook
from apps.notifications.services import WebhookRefused, WebhookTemporarilyFailed, webhook_post
from apps.reports.models import Report

from .models import DigestSent, TeamPolicy
from .read_models import Insights, InsightsFilters
from .selectors.figures import build_insights, monday

logger = logging.getLogger(__name__)
LISTED = 15  # items per list in a message; the rest are "and N more", with the link to all


@dataclass(frozen=True)
class DigestsSent:
    teams: int  # digests claimed and sent by this run
    emails: int
    chat_posts: int


def digest_week(today: date) -> date:
    """The week a digest sent `today` covers: the last full week, Monday to Sunday."""
    return monday(today) - timedelta(weeks=1)


def team_digests_send(*, today: date | None = None) -> DigestsSent:
    """Sends every team's digest for last week, unless already sent. `today` is for tests and
    catch-up runs."""
    week = digest_week(today or timezone.localdate())
    disabled = set(TeamPolicy.objects.filter(digest_enabled=False).values_list("team_id", flat=True))
    teams = emails = posts = 0
    for team in Team.objects.exclude(pk__in=disabled).order_by("pk"):
        sent = team_digest_send(team_id=team.pk, week=week)
        if sent is not None:
            teams, emails, posts = teams + 1, emails + sent.emails, posts + sent.chat_posts
    return DigestsSent(teams=teams, emails=emails, chat_posts=posts)


def _link(name: str, *args, query: str = "") -> str:
    return f"{settings.SITE_URL}{reverse(name, args=args)}{'?' + query if query else ''}"


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def team_digest_send(*, team_id: int, week: date) -> DigestSent | None:
    """Claims (team, week) and sends the digest; None when another run already claimed it."""
    try:
        with transaction.atomic():
            claim = DigestSent.objects.create(team_id=team_id, week=week)
    except IntegrityError:
        return None
    team = Team.objects.get(pk=team_id)
    errors = []
    emails = _email(team, week, errors)
    posts = _chat(team, week, errors)
    claim.emails, claim.chat_posts, claim.error = emails, posts, " ".join(errors)[:2000]
    claim.save(update_fields=["emails", "chat_posts", "error"])
    return claim


def team_digest_text(*, team: Team, week: date, for_channel: bool) -> tuple[str, str]:
    """(subject, body). A channel's text leaves restricted incidents out, as every announcement
    to a channel does; the e-mail goes to the team, who may see them."""
    incidents = Incident.objects.filter(model__team=team)
    if for_channel:
        incidents = incidents.filter(restricted=False)
    insights = build_insights(incidents=incidents, reports=Report.objects.filter(model__team=team),
                              filters=InsightsFilters(since=week, until=week + timedelta(days=6)),
                              today=min(week + timedelta(days=6), timezone.localdate()))
    new = list(incidents.filter(created_at__gte=day_start(week), created_at__lte=day_end(week + timedelta(days=6)))
               .select_related("model").order_by("created_at", "pk")[:LISTED])
    still_open = incidents.filter(status__in=ACTIVE_STATUSES)
    open_list = list(still_open.select_related("model").order_by("created_at", "pk")[:LISTED])
    today = timezone.localdate()
    overdue_items = (ActionItem.objects.filter(incident__in=incidents.values("pk"), review_state=ReviewState.ACCEPTED,
                                               status__in=UNFINISHED_STATUSES, due_date__lt=today)
                     .select_related("owner").order_by("due_date", "pk"))
    overdue_count = overdue_items.count()
    subject = (f"[mlincidents] {team.name}: week of {week:%-d %b} — {counted(insights.opened.count, 'new incident')}, "
               f"{still_open.count():,} open, {overdue_count:,} overdue action item{'s' if overdue_count != 1 else ''}")
    lines = [f"{team.name} — the week of {week:%-d %b %Y}", ""]
    lines += _figures(insights)
    lines += _section(f"New incidents ({insights.opened.count:,})", insights.opened.count,
                      [f"INC-{i.pk} {i.title} ({i.get_severity_display().lower()}, {i.model.name}) — "
                       f"{_link('incidents:detail', i.pk)}" for i in new])
    lines += _section(f"Open incidents ({still_open.count():,})", still_open.count(),
                      [f"INC-{i.pk} {i.title} ({i.get_status_display().lower()}, opened {i.created_at:%-d %b}) — "
                       f"{_link('incidents:detail', i.pk)}" for i in open_list],
                      more=_link("incidents:list", query=f"team={team.slug}&status=active"))
    lines += _section(f"Action items overdue ({overdue_count:,})", overdue_count,
                      [f"AI-{item.pk} {item.title} — due {item.due_date:%-d %b}, "
                       f"{item.owner.get_username() if item.owner_id else 'nobody'} — "
                       f"{_link('actions:detail', item.pk)}"
                       for item in overdue_items[:LISTED]],
                      more=_link("actions:board", query=f"team={team.slug}&due=overdue"))
    lines += _section(f"Post-mortems overdue ({len(insights.postmortems_overdue):,})",
                      len(insights.postmortems_overdue),
                      [f"INC-{owed.incident_id} {owed.title} — due {owed.due:%-d %b}, {counted(owed.days, 'day')} late "
                       f"— {_absolute(owed.url)}" for owed in insights.postmortems_overdue[:LISTED]])
    lines += _section(f"Post-mortems waiting for review ({len(insights.postmortems_waiting):,})",
                      len(insights.postmortems_waiting),
                      [f"INC-{owed.incident_id} {owed.title} — waiting {counted(owed.days, 'day')} — "
                       f"{_absolute(owed.url)}" for owed in insights.postmortems_waiting[:LISTED]])
    lines += ["", f"All the figures: {_link('insights:page', query=f'team={team.slug}')}"]
    return subject, "\n".join(lines)


def _figures(insights: Insights) -> list[str]:
    return [
        "Last week's figures:",
        f"- opened {insights.opened.count:,}, resolved {insights.resolved.count:,}",
        f"- median time to detect {duration(insights.median_time_to_detect)}, "
        f"to resolve {duration(insights.median_time_to_resolve)}",
        f"- action items done on time: {insights.action_items.done_on_time:,}, "
        f"late: {insights.action_items.done_late:,}",
        f"- reports received {insights.reports_received:,}, stored {insights.reports_stored:,}",
    ]


def _section(title: str, count: int, lines: list[str], *, more: str = "") -> list[str]:
    if not count:
        return ["", f"{title}: none."]
    body = ["", f"{title}:", *[f"- {line}" for line in lines]]
    if count > len(lines):
        body.append(f"- and {count - len(lines):,} more" + (f": {more}" if more else ""))
    elif more:
        body.append(f"  ({more})")
    return body


def _email(team: Team, week: date, errors: list[str]) -> int:
    people = [person for person in team_people(team_id=team.pk) if person.email]
    if not people:
        return 0
    subject, body = team_digest_text(team=team, week=week, for_channel=False)
    messages = [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email]) for person in people]
    try:
        return get_connection().send_messages(messages) or 0
    except Exception as exc:  # SMTP down or refusing: recorded on the claim, the run goes on
        logger.exception("Could not e-mail %s's weekly digest", team)
        errors.append(f"E-mail failed: {exc.__class__.__name__}: {exc}")
        return 0


def _chat_urls(team: Team) -> list[str]:
    policy = TeamPolicy.objects.filter(team=team).first()
    if policy and policy.digest_chat_url:
        return [policy.digest_chat_url]
    return sorted(set(ModelWebhook.objects.filter(model__team=team).values_list("url", flat=True)))


def _chat(team: Team, week: date, errors: list[str]) -> int:
    urls = _chat_urls(team)
    if not urls:
        return 0
    subject, body = team_digest_text(team=team, week=week, for_channel=True)
    text = f":bar_chart: {subject.removeprefix('[mlincidents] ')}\n{body}"
    posted = 0
    for url in urls:
        try:
            webhook_post(url=url, text=text)
            posted += 1
        except (WebhookTemporarilyFailed, WebhookRefused, OSError) as exc:
            logger.warning("Could not post %s's weekly digest: %s", team, exc)
            errors.append(f"Chat failed: {exc}")
    return posted
