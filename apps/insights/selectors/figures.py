"""The insights figures, counted in the database: per-week counts are GROUP BY queries, medians
come from window functions (apps/insights/selectors/medians.py), shares from conditional counts.
Nothing loads incidents, reports or tickets into Python to count them."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncWeek
from django.urls import reverse
from django.utils import timezone

from apps.audit.actions import AuditAction
from apps.audit.models import AuditEvent
from apps.core.dates import day_end, day_start
from apps.incidents import lifecycle
from apps.incidents.models import Incident
from apps.incidents.selectors import (
    ReaderLookups,
    incident_titles_as_seen_by,
    incident_visibility,
    reader_lookups,
)
from apps.postmortems.models import RootCauseCategory
from apps.registry.models import Model, ModelVersion
from apps.reports.models import Report
from apps.reports.selectors import report_visibility

from ..read_models import Insights, InsightsFilters, OwedPostmortem, Rate, Slice, Week
from .actions import action_item_figures, overdue_per_week
from .factors import incidents_by_factor
from .medians import medians_with_overall

DEFAULT_WEEKS = 16  # about four months: a trend, not noise


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def insights_range(filters: InsightsFilters, *, today: date) -> tuple[date, date]:
    until = filters.until or today
    since = filters.since or monday(until) - timedelta(weeks=DEFAULT_WEEKS - 1)
    return since, until


def insights_scope(*, user, filters: InsightsFilters, lookups: ReaderLookups | None = None) -> QuerySet[Incident]:
    """The incidents the figures count: those `user` may see, narrowed to the team and model.
    The figures repeat this scope in about twenty queries, so what it looks up elsewhere (the
    reader's models, the incidents naming them, the team's and model's ids) is read once here:
    each query then filters on the incident's own columns."""
    visible = incident_visibility(user, lookups or reader_lookups(user))
    incidents = Incident.objects.all() if visible is None else Incident.objects.filter(visible)
    return _narrowed(incidents, filters)


def _narrowed(queryset: QuerySet, filters: InsightsFilters) -> QuerySet:
    """Narrowed to the filters' team and model, by model id (no join to the models per query)."""
    if not filters.team and not filters.model:
        return queryset
    models = Model.objects.all()
    if filters.team:
        models = models.filter(team__slug=filters.team)
    if filters.model:
        models = models.filter(name=filters.model)
    return queryset.filter(model_id__in=list(models.values_list("pk", flat=True)))


def insights_for(*, user, filters: InsightsFilters, today: date | None = None) -> Insights:
    """The insights page's read model for `user` (scoped like the incident list)."""
    lookups = reader_lookups(user)
    visible = report_visibility(user, lookups)
    reports = Report.objects.all() if visible is None else Report.objects.filter(visible)
    everything = visible is None and not filters.team and not filters.model
    return build_insights(incidents=insights_scope(user=user, filters=filters, lookups=lookups),
                          reports=_narrowed(reports, filters), filters=filters, today=today,
                          user=user, all_reports=everything)


@contextmanager
def _without_jit():
    """PostgreSQL's JIT compiler judges these queries by the planner's pessimistic cost of their
    per-incident subqueries and spends half a second compiling what then runs in tens of
    milliseconds (benchmarks/insights.py showed 517 ms of JIT in a 575 ms query). Off for the
    insights' transaction only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


def build_insights(*, incidents: QuerySet[Incident], reports: QuerySet[Report], filters: InsightsFilters,
                   today: date | None = None, user=None, all_reports: bool = False) -> Insights:
    """The figures over `incidents` and `reports` (already scoped); `user` titles the listed
    incidents as that reader may read them (None: their own titles, for the team's digest)."""
    with _without_jit():
        return _build_insights(incidents=incidents, reports=reports, filters=filters, today=today, user=user,
                               all_reports=all_reports)


def _build_insights(*, incidents: QuerySet[Incident], reports: QuerySet[Report], filters: InsightsFilters,
                    today: date | None, user, all_reports: bool) -> Insights:
    from ..policies import postmortems_overdue, postmortems_waiting, read_policies

    today = today or timezone.localdate()
    since, until = insights_range(filters, today=today)
    start, end = day_start(since), day_end(until)
    links = _Links(filters=filters, since=since, until=until)
    opened = incidents.filter(created_at__gte=start, created_at__lte=end)
    resolved = (incidents.filter(lifecycle.resolved_between(start, end))
                .annotate(week=TruncWeek("resolved_at", output_field=DateTimeField()),
                          time_to_resolve=ExpressionWrapper(F("resolved_at") - F("created_at"),
                                                            output_field=DurationField())))
    detected = _with_time_to_detect(opened).annotate(week=TruncWeek("created_at"))
    opened_per_week = _per_week(opened.annotate(week=TruncWeek("created_at")))
    detecting, (overall_detect, detect_measured) = medians_with_overall(detected, value="time_to_detect",
                                                                         group="week")
    detect_per_week = {_day(week): median for week, (median, _count) in detecting.items()}
    # Every resolved incident has a time to resolve: the medians' counts are the week's resolutions.
    resolving, (overall_resolve, _resolved) = medians_with_overall(resolved, value="time_to_resolve", group="week")
    resolve_per_week = {_day(week): median for week, (median, _count) in resolving.items()}
    resolved_per_week = {_day(week): count for week, (_median, count) in resolving.items()}
    mondays = _mondays(since, until)
    overdue_trend = overdue_per_week(incidents, mondays=mondays, until=until, today=today)
    weeks = [Week(start=week, opened=opened_per_week.get(week, 0), resolved=resolved_per_week.get(week, 0),
                  median_time_to_detect=detect_per_week.get(week), median_time_to_resolve=resolve_per_week.get(week),
                  overdue_action_items=overdue_trend.get(week, 0),
                  opened_url=links.incidents(since=max(week, since), until=min(week + timedelta(days=6), until)),
                  resolved_url=links.incidents(resolved_since=max(week, since),
                                               resolved_until=min(week + timedelta(days=6), until), opened=False))
             for week in mondays]
    came_back = opened.aggregate(ever=Count("pk", filter=Q(lifecycle.ever_resolved())),
                                 reopened=Count("pk", filter=Q(lifecycle.ever_resolved()) & lifecycle.reopened()),
                                 regressed=Count("pk", filter=Q(lifecycle.ever_resolved()) & Q(lifecycle.regressed())))
    policies = read_policies()
    overdue = list(postmortems_overdue(incidents, today=today, policies=policies).select_related("model")
                   .only(*_OWED_COLUMNS)[:50])
    waiting = list(postmortems_waiting(incidents, policies=policies)
                   .only("incident_id", "review_requested_at", *(f"incident__{name}" for name in _OWED_COLUMNS))[:50])
    received, stored = _reports_received_and_stored(reports, start=start, end=end, everything=all_reports)
    return Insights(
        filters=filters, since=since, until=until,
        opened=Rate(count=sum(opened_per_week.values()), out_of=sum(opened_per_week.values()),
                    url=links.incidents()),
        resolved=Rate(count=sum(resolved_per_week.values()), out_of=sum(opened_per_week.values()),
                      url=links.incidents(resolved_since=since, resolved_until=until, opened=False)),
        median_time_to_detect=overall_detect,
        detect_measured=detect_measured,
        median_time_to_resolve=overall_resolve,
        reopened=Rate(count=came_back["reopened"], out_of=came_back["ever"], url=links.incidents(came_back="reopened")),
        regressions=Rate(count=came_back["regressed"], out_of=came_back["ever"],
                         url=links.incidents(came_back="regression")),
        weeks=weeks,
        by_model=_by_model(opened, links),
        by_version=_by_version(opened, links),
        by_root_cause=_by_root_cause(opened, links),
        by_factor=incidents_by_factor(opened, links=links),
        action_items=action_item_figures(incidents, start=start, end=end, today=today, url=links.board()),
        postmortems_overdue=_owed(overdue, user=user, today=today, overdue=True, policies=policies),
        postmortems_waiting=_owed([postmortem.incident for postmortem in waiting], user=user, today=today,
                                  overdue=False, policies=policies,
                                  since={p.incident_id: p.review_requested_at for p in waiting}),
        reports_received=received,
        reports_stored=stored,
    )


class _Links:
    """Addresses of the incidents behind a figure: the incident list with the same team, model
    and range, plus what the figure narrows to."""

    def __init__(self, *, filters: InsightsFilters, since: date, until: date):
        self.filters, self.since, self.until = filters, since, until
        # Looked up once: a year's page makes a few hundred links (two per week, one per slice).
        self._incident_list, self._board = reverse("incidents:list"), reverse("actions:board")

    def _base(self) -> dict[str, str]:
        return {key: value for key, value in (("team", self.filters.team), ("model", self.filters.model)) if value}

    def incidents(self, *, opened: bool = True, since: date | None = None, until: date | None = None,
                  **narrowing) -> str:
        query = self._base()
        if opened:
            query |= {"since": (since or self.since).isoformat(), "until": (until or self.until).isoformat()}
        query |= {key: value.isoformat() if isinstance(value, date) else value for key, value in narrowing.items()
                  if value}
        return f"{self._incident_list}?{urlencode(query)}"

    def board(self, **narrowing) -> str:
        return f"{self._board}?{urlencode(self._base() | narrowing)}"


def _day(value: datetime | date) -> date:
    """A week's start as a date (SQLite and PostgreSQL return TruncWeek differently typed)."""
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _mondays(since: date, until: date) -> list[date]:
    first, last = monday(since), monday(until)
    return [first + timedelta(weeks=n) for n in range((last - first).days // 7 + 1)]


def _per_week(queryset: QuerySet) -> dict[date, int]:
    rows = queryset.order_by().values("week").annotate(count=Count("pk")).values_list("week", "count")
    return {_day(week): count for week, count in rows}


def _with_time_to_detect(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """Time to detect: from the first logged prediction showing the incident's pattern to the
    report that opened the incident. The pattern's first showing is the incident's onset, found
    in the inference log by forensics (`IncidentOnset`: the earliest prediction whose input is odd
    the way the first report's is). Until forensics has looked: the earliest logged prediction
    behind any of its reports, which share its fingerprint (model, output class, surface and input
    pattern such as `proline:scale_shift`) or were put there by a person. Incidents with neither
    have no time to detect (null, not zero). The expression appears once in the query: the
    medians skip nulls by counting, not by a WHERE that would compute it again."""
    first_reported_prediction = Subquery(
        Report.objects.filter(incident_id=OuterRef("pk"), logged_prediction__isnull=False).order_by()
        .order_by("logged_prediction__timestamp").values("logged_prediction__timestamp")[:1],
        output_field=DateTimeField())
    first_showing = Coalesce(F("onset__first_odd_prediction_at"), first_reported_prediction,
                             output_field=DateTimeField())
    return incidents.annotate(time_to_detect=ExpressionWrapper(F("created_at") - first_showing,
                                                                output_field=DurationField()))


def _by_model(opened: QuerySet[Incident], links: _Links) -> list[Slice]:
    rows = (opened.order_by().values("model__name", "model__display_name").annotate(count=Count("pk"))
            .order_by("-count", "model__name"))
    return [Slice(key=row["model__name"], label=row["model__display_name"] or row["model__name"],
                  incidents=row["count"], url=links.incidents(model=row["model__name"])) for row in rows]


def _by_version(opened: QuerySet[Incident], links: _Links) -> list[Slice]:
    """An incident counts once for each version its reports came from: the distinct (model,
    version) pairs of each incident's reports, counted per version."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # Per incident (LATERAL), its few pairs read from the index `report_incident_versions`
        # alone: no hashing of every report row of the range (~50,000 for a year) to de-duplicate.
        try:
            incidents_sql, params = opened.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:  # a scope that can match nothing (e.g. a team without models)
            return []
        reports = Report._meta.db_table
        pairs = (f"({incidents_sql}) AS opened (incident) CROSS JOIN LATERAL (SELECT DISTINCT r.{quote('model_id')}, "
                 f"r.{quote('model_version_id')} FROM {quote(reports)} r "
                 f"WHERE r.{quote('incident_id')} = opened.incident) AS triples")
    else:
        # Counted as the distinct (model, version, incident) triples first, then triples per
        # version (a `COUNT(DISTINCT incident)` per version sorts every report row of the range).
        triples = (Report.objects.filter(incident__in=opened.values("pk")).order_by()
                   .values("model_id", "model_version_id", "incident_id").distinct())
        try:
            inner, params = triples.query.sql_with_params()
        except EmptyResultSet:
            return []
        pairs = f"({inner}) AS triples"
    models, versions = Model._meta.db_table, ModelVersion._meta.db_table
    sql = (f"SELECT m.{quote('name')}, v.{quote('version')}, COUNT(*) FROM {pairs} "
           f"LEFT OUTER JOIN {quote(models)} m ON m.{quote('id')} = triples.{quote('model_id')} "
           f"LEFT OUTER JOIN {quote(versions)} v ON v.{quote('id')} = triples.{quote('model_version_id')} "
           "GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [Slice(key=f"{name} {version}", label=f"{name} {version}", incidents=count,
                  url=links.incidents(model=name, version=version))
            for name, version, count in rows]


def _by_root_cause(opened: QuerySet[Incident], links: _Links) -> list[Slice]:
    labels = dict(RootCauseCategory.choices)
    rows = (opened.order_by().values("postmortem__root_cause_category").annotate(count=Count("pk"))
            .order_by("-count", "postmortem__root_cause_category"))
    merged: dict[str, int] = {}
    for row in rows:  # no post-mortem (NULL) and no category yet ("") are one slice
        key = row["postmortem__root_cause_category"] or "none"
        merged[key] = merged.get(key, 0) + row["count"]
    return [Slice(key=key, label=labels.get(key, "Not known yet"), incidents=count,
                  url=links.incidents(root_cause=key))
            for key, count in sorted(merged.items(), key=lambda pair: (pair[0] == "none", -pair[1], pair[0]))]


# What the lists of post-mortems owed show of an incident, and what its title as a reader may
# read it needs (not the incident's other columns, nor its model's).
_OWED_COLUMNS = ("title", "public_title", "severity", "restricted", "resolved_at", "model__name", "model__team")


def _each_url(name: str):
    """`url(pk)` for the named route taking an incident's pk: reversed once, not once per row."""
    sentinel = 918273645
    pattern = reverse(name, args=[sentinel])
    return lambda pk: pattern.replace(str(sentinel), str(pk))


def _owed(incidents: list[Incident], *, user, today: date, overdue: bool, policies,
          since: dict[int, datetime] | None = None) -> list[OwedPostmortem]:
    from ..policies import add_working_days

    titles = ({incident.pk: incident.title for incident in incidents} if user is None
              else incident_titles_as_seen_by(user=user, incidents=incidents))
    url = _each_url("incidents:detail" if overdue else "postmortems:editor")
    owed = []
    for incident in incidents:
        started = incident.resolved_at if overdue else since[incident.pk]
        due = add_working_days(timezone.localtime(started).date(),
                               policies.of(incident.model.team_id).postmortem_due_working_days) if overdue else None
        days = (today - due).days if due else (today - timezone.localtime(started).date()).days
        owed.append(OwedPostmortem(incident_id=incident.pk, title=titles[incident.pk], model=incident.model.name,
                                   severity=incident.severity, since=started, due=due, days=days,
                                   url=url(incident.pk)))
    return owed


def _reports_received_and_stored(reports: QuerySet[Report], *, start: datetime, end: datetime,
                                 everything: bool) -> tuple[int, int]:
    """(received, stored). Received: reports the intake acknowledged — it writes a `report.create`
    audit event in the same transaction as the report — counted from the events, so a report row
    that went missing since shows as received but not stored. Scoped to the reports the reader may
    see unless the reader sees everything (then an event whose report is gone counts too).

    Scoped, both come from one query: the reader's reports filed within a day of the range (the
    event and its report are written by one transaction, a moment apart, so no event in the range
    names a report outside it), each joined to the range's events naming it (the audit trail's
    `target_id` is text, so the report's id is cast once per report). An event counts once: it
    names one report. This replaced matching the events against the set of the reader's report
    ids as text (PostgreSQL built and de-duplicated that set each time) plus a second query for
    the stored count."""
    stored = reports.filter(created_at__gte=start, created_at__lte=end)
    events = AuditEvent.objects.filter(action=AuditAction.REPORT_CREATE, target_type="reports.report",
                                       created_at__gte=start, created_at__lte=end)
    if everything:
        return events.count(), stored.count()
    nearby = (reports.filter(created_at__gte=start - timedelta(days=1), created_at__lte=end + timedelta(days=1))
              .order_by()
              .annotate(key=Cast("pk", output_field=CharField()),
                        stored=Case(When(created_at__gte=start, created_at__lte=end, then=Value(1)), default=Value(0)))
              .values("key", "stored"))
    try:
        reports_sql, reports_params = nearby.query.sql_with_params()
    except EmptyResultSet:  # a scope that can match nothing (e.g. a team without models)
        return 0, 0
    events_sql, events_params = events.order_by().values("target_id").query.sql_with_params()
    quote = connection.ops.quote_name
    sql = (f"SELECT COUNT(acknowledged.{quote('target_id')}), COALESCE(SUM(filed.{quote('stored')}), 0) "
           f"FROM ({reports_sql}) AS filed LEFT OUTER JOIN ({events_sql}) AS acknowledged "
           f"ON acknowledged.{quote('target_id')} = filed.{quote('key')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, (*reports_params, *events_params))
        received, stored_count = cursor.fetchone()
    return received, stored_count
