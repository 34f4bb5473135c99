"""A small history with answers a person can compute by hand (see `history`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from apps.actions.models import ActionItem, ReviewState, TicketStatus
from apps.audit.models import AuditEvent
from apps.core.dates import day_start
from apps.incidents.models import Incident, IncidentStatus, Severity
from apps.postmortems.models import Postmortem, PostmortemStatus
from apps.predictions.models import Prediction
from apps.registry.models import Model, ModelVersion
from apps.reports.models import Report
from tests.accounts.factories import TeamFactory, member_of
from tests.audit.factories import audit_event


def at(day: date, hour: int = 0) -> datetime:
    return day_start(day) + timedelta(hours=hour)


def event(target, action: str, when: datetime, old: dict | None = None, new: dict | None = None) -> AuditEvent:
    return audit_event(target, action, at=when, old=old, new=new)


def incident(version: ModelVersion, *, opened: datetime, predicted: datetime | None, severity: str = Severity.MEDIUM,
             title: str = "Odd prediction", restricted: bool = False, reporter=None) -> Incident:
    """An incident opened by one report at `opened` about a prediction logged at `predicted`
    (None: the report names no logged prediction)."""
    found = Incident.objects.create(model=version.model, title=title, severity=severity, created_at=opened,
                                    restricted=restricted)
    event(found, "incident.open", opened, new={"status": "open"})
    prediction = None
    if predicted is not None:
        prediction = Prediction.objects.create(model=version.model, model_version=version, timestamp=predicted,
                                               prediction_id=f"p-{found.pk}", features={"x": 1})
    report = Report.objects.create(model=version.model, model_version=version, incident=found, title=title,
                                   logged_prediction=prediction, created_at=opened, reporter=reporter)
    event(report, "report.create", opened, new={"incident": found.pk})
    return found


def move(target: Incident, to: str, when: datetime, *, regression: bool = False) -> Incident:
    """What `incident_transition` (or the regression reopen) does, back in time: the status, the
    columns it keeps, and the audit event."""
    old = target.status
    if to == IncidentStatus.RESOLVED:
        target.resolved_at = when
    elif to == IncidentStatus.OPEN and (regression or old in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED)):
        target.reopened_count += 1
        target.regression_count += regression
    target.status = to
    target.save(update_fields=["status", "resolved_at", "reopened_count", "regression_count"])
    if regression:
        event(target, "incident.regression", when, old={"status": old}, new={"status": to})
    else:
        event(target, "incident.transition", when, old={"status": old}, new={"status": to})
    return target


def resolve(target: Incident, when: datetime) -> Incident:
    return move(target, IncidentStatus.RESOLVED, when)


def ticket(target: Incident, *, due: date, created: datetime, done: datetime | None = None) -> ActionItem:
    item = ActionItem.objects.create(incident=target, title="Check units",
                                     kind="preventive",
                                     review_state=ReviewState.ACCEPTED, due_date=due, created_at=created,
                                     status=TicketStatus.DONE if done else TicketStatus.OPEN, finished_at=done)
    if done:
        event(item, "action_item.transition", done, old={"status": "open"}, new={"status": "done"})
    return item


@dataclass
class History:
    today: date
    weeks: list[date]  # the Mondays of the range, oldest first (the last is this week)
    team: object
    member: object
    wine: ModelVersion
    a: Incident
    b: Incident
    c: Incident
    d: Incident
    shop_restricted: Incident


def history() -> History:
    """Four incidents on `wine` (team cellar) over the last four weeks M0…M3 (M3 is this week):

    | inc | opened     | first prediction | resolved            | time to detect | time to resolve |
    |-----|------------|------------------|---------------------|----------------|-----------------|
    | A   | M0 Mon 10h | M0 Mon 08h       | M0 Tue 10h          | 2 h            | 24 h            |
    | B   | M0 Wed 12h | M0 Wed 06h       | M1 Mon 12h          | 6 h            | 120 h           |
    | C   | M1 Tue 09h | M1 Tue 08h       | M1 Tue 13h, back by a regression on M1 Wed | 1 h | —         |
    | D   | M1 Thu 09h | none logged      | M1 Thu 21h          | —              | 12 h            |

    A is high with an approved post-mortem; B has one in review for 4 days; D is critical and
    resolved without a post-mortem (overdue by the default policy). Tickets on A: one done on
    time, one done late (due M0 Sat, done M1 Wed); on B: one overdue since M2 Tue, one due in 10
    days. A restricted incident on another team's model (`shop`) opens in M1."""
    today = timezone.localdate()
    m3 = today - timedelta(days=today.weekday())
    m0, m1, m2 = m3 - timedelta(weeks=3), m3 - timedelta(weeks=2), m3 - timedelta(weeks=1)
    team = TeamFactory(slug="cellar", name="Cellar")
    member = member_of(team, role="reviewer")
    wine_model = Model.objects.create(name="wine", team=team)
    wine = ModelVersion.objects.create(model=wine_model, version="1.0", artifact_uri="wine.joblib")
    shop_model = Model.objects.create(name="shop", team=TeamFactory(slug="store", name="Store"))
    shop = ModelVersion.objects.create(model=shop_model, version="2.0", artifact_uri="shop.joblib")

    a = incident(wine, opened=at(m0, 10), predicted=at(m0, 8), severity=Severity.HIGH, title="All class_1")
    resolve(a, at(m0 + timedelta(days=1), 10))
    b = incident(wine, opened=at(m0 + timedelta(days=2), 12), predicted=at(m0 + timedelta(days=2), 6))
    resolve(b, at(m1, 12))
    c = incident(wine, opened=at(m1 + timedelta(days=1), 9), predicted=at(m1 + timedelta(days=1), 8))
    resolve(c, at(m1 + timedelta(days=1), 13))
    move(c, IncidentStatus.OPEN, at(m1 + timedelta(days=2), 9), regression=True)
    d = incident(wine, opened=at(m1 + timedelta(days=3), 9), predicted=None, severity=Severity.CRITICAL)
    resolve(d, at(m1 + timedelta(days=3), 21))
    shop_restricted = incident(shop, opened=at(m1, 9), predicted=at(m1, 7), restricted=True, title="Secret")

    Postmortem.objects.create(incident=a, status=PostmortemStatus.APPROVED, root_cause_category="feature_pipeline")
    Postmortem.objects.create(incident=b, status=PostmortemStatus.IN_REVIEW, root_cause_category="feature_pipeline",
                              review_requested_at=timezone.now() - timedelta(days=4))
    for target in (a, b):
        target.refresh_from_db()
    ticket(a, due=m0 + timedelta(days=5), created=at(m0 + timedelta(days=1), 12),
           done=at(m0 + timedelta(days=3), 12))
    ticket(a, due=m0 + timedelta(days=5), created=at(m0 + timedelta(days=1), 12),
           done=at(m1 + timedelta(days=2), 12))
    ticket(b, due=m2 + timedelta(days=1), created=at(m1, 13))
    ticket(b, due=today + timedelta(days=10), created=at(m1, 13))
    return History(today=today, weeks=[m0, m1, m2, m3], team=team, member=member, wine=wine, a=a, b=b, c=c, d=d,
                   shop_restricted=shop_restricted)
