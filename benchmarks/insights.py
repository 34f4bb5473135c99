"""Speed of the insights (issue 18). Not a test: prints figures, asserts nothing.

  .venv/bin/python benchmarks/insights.py [--incidents 10000] [--reports 100000] [--runs 5]
      [--database-url postgres://postgres@127.0.0.1:5432/mlincidents_bench_insights] [--keep] [--reuse]

Fills a PostgreSQL database of its own (dropped at the end, even on failure) with two teams'
models, 10,000 incidents over two years (most resolved, some reopened by a regression), 100,000
reports each naming a logged prediction, their audit trail (opening, resolution, every report's
intake), the onset forensics finds for four incidents in five, post-mortems with root causes and
contributing factors, and action items done on time, late or still open — all with bulk_create —
then times, for an admin (everything) and for a team member (scoped): the page's selector
(`insights_for`, the default four months and a whole year) and `GET /api/v1/insights/` (view,
serializer and JSON rendering). Target: < 300 ms each."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import scratch_arguments, scratch_database  # noqa: E402  (benchmarks/scratch.py)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mlincidents_bench_insights"
BATCH = 5_000



def fill(*, incidents: int, reports: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from apps.accounts.models import Membership, Team
    from apps.actions.models import ActionItem, ReviewState, TicketStatus
    from apps.audit.models import AuditEvent
    from apps.incidents.models import Incident, IncidentStatus
    from apps.postmortems.models import ContributingFactor, Postmortem, PostmortemStatus, RootCauseCategory
    from apps.predictions.models import Prediction
    from apps.registry.models import Model, ModelVersion
    from apps.reports.models import Report

    call_command("migrate", verbosity=0)
    rng = random.Random(18)
    now = timezone.now()
    users = get_user_model()
    admin = users.objects.create(username="admin", is_superuser=True, is_staff=True)
    member = users.objects.create(username="member")
    teams = [Team.objects.create(slug=f"team-{n}", name=f"Team {n}") for n in range(2)]
    Membership.objects.create(team=teams[0], user=member)
    models = [Model.objects.create(name=f"model-{n}", team=teams[n]) for n in range(2)]
    versions = [ModelVersion.objects.create(model=model, version=f"1.{v}", artifact_uri="x")
                for model in models for v in range(3)]
    causes = [choice for choice, _ in RootCauseCategory.choices]

    started = time.perf_counter()
    rows, events = [], []
    for n in range(incidents):
        version = versions[n % len(versions)]
        opened = now - timedelta(days=730 * (1 - n / incidents), minutes=rng.randint(0, 600))
        status = rng.choices([IncidentStatus.CLOSED, IncidentStatus.RESOLVED, IncidentStatus.INVESTIGATING,
                              IncidentStatus.OPEN], weights=[50, 30, 10, 10])[0]
        rows.append(Incident(model_id=version.model_id, title=f"Incident {n}", status=status,
                             severity=rng.choice(["low", "medium", "high", "critical"]), created_at=opened,
                             updated_at=opened, restricted=n % 50 == 0))
    Incident.objects.bulk_create(rows, batch_size=BATCH)
    created = list(Incident.objects.order_by("pk").values_list("pk", "model_id", "created_at", "status"))
    kept = []  # what incident_transition keeps on the row, as it would have
    for pk, _model_id, opened, status in created:
        events.append(AuditEvent(action="incident.open", target_type="incidents.incident", target_id=str(pk),
                                 created_at=opened, new={"status": "open"}))
        if status in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
            resolved = opened + timedelta(hours=rng.lognormvariate(3, 1))
            events.append(AuditEvent(action="incident.transition", target_type="incidents.incident",
                                     target_id=str(pk), created_at=resolved, old={"status": "investigating"},
                                     new={"status": "resolved"}))
            regressed = rng.random() < 0.04
            if regressed:
                events.append(AuditEvent(action="incident.regression", target_type="incidents.incident",
                                         target_id=str(pk), created_at=resolved + timedelta(days=2),
                                         old={"status": "resolved"}, new={"status": "open"}))
            kept.append(Incident(pk=pk, resolved_at=resolved, reopened_count=int(regressed),
                                 regression_count=int(regressed)))
    Incident.objects.bulk_update(kept, ["resolved_at", "reopened_count", "regression_count"], batch_size=1000)
    per_incident = max(reports // incidents, 1)
    predictions, report_rows = [], []
    for index, (pk, model_id, opened, _status) in enumerate(created):
        for k in range(per_incident):
            version = versions[(index % 2) * 3 + k % 3]
            at = opened + timedelta(hours=k * 2)
            predictions.append(Prediction(model_id=model_id, model_version_id=version.pk,
                                          prediction_id=f"p-{pk}-{k}", features={"x": k}, output="a",
                                          timestamp=at - timedelta(hours=rng.lognormvariate(1.5, 1))))
            report_rows.append(Report(model_id=model_id, model_version_id=version.pk, incident_id=pk,
                                      title=f"Report {pk}-{k}", features={"x": k}, created_at=at))
    Prediction.objects.bulk_create(predictions, batch_size=BATCH)
    for report, prediction in zip(report_rows, predictions, strict=True):
        report.logged_prediction_id = prediction.pk
    Report.objects.bulk_create(report_rows, batch_size=BATCH)
    events += [AuditEvent(action="report.create", target_type="reports.report", target_id=str(report.pk),
                          created_at=report.created_at, new={"incident": report.incident_id}) for report in report_rows]
    postmortems = [Postmortem(incident_id=pk, status=rng.choice([PostmortemStatus.APPROVED, PostmortemStatus.PUBLISHED,
                                                                 PostmortemStatus.DRAFT, PostmortemStatus.IN_REVIEW]),
                              root_cause_category=rng.choice(causes), created_at=opened,
                              review_requested_at=opened + timedelta(days=1))
                   for pk, _m, opened, status in created if status != IncidentStatus.OPEN and rng.random() < 0.4]
    Postmortem.objects.bulk_create(postmortems, batch_size=BATCH)
    ContributingFactor.objects.bulk_create(
        [ContributingFactor(postmortem=pm, category=rng.choice(causes), description="x", position=p)
         for pm in postmortems for p in range(rng.randint(0, 3))], batch_size=BATCH)
    items = []
    for pm in postmortems:
        for _ in range(2):
            due = (pm.created_at + timedelta(days=rng.randint(5, 30))).date()
            done = rng.random() < 0.7
            items.append(ActionItem(incident_id=pm.incident_id, title="Fix it", kind="preventive",
                                    review_state=ReviewState.ACCEPTED, due_date=due, created_at=pm.created_at,
                                    updated_at=pm.created_at,
                                    status=TicketStatus.DONE if done else TicketStatus.OPEN,
                                    # as action_item_transition keeps it
                                    finished_at=pm.created_at + timedelta(days=rng.randint(1, 40)) if done else None))
    ActionItem.objects.bulk_create(items, batch_size=BATCH)
    events += [AuditEvent(action="action_item.transition", target_type="actions.actionitem", target_id=str(item.pk),
                          created_at=item.finished_at, old={"status": "open"}, new={"status": "done"})
               for item in items if item.status == TicketStatus.DONE]
    AuditEvent.objects.bulk_create(events, batch_size=BATCH)
    with connection.cursor() as cursor:
        _write_onsets(cursor)
    _vacuum_analyze()
    print(f"filled in {time.perf_counter() - started:.1f} s: {len(created):,} incidents, {len(report_rows):,} reports "
          f"and logged predictions, {len(events):,} audit events, {len(postmortems):,} post-mortems, "
          f"{len(items):,} action items")
    return {"admin": admin, "member": member}


def _write_onsets(cursor) -> None:
    """What forensics writes for an incident whose first report has a flagged input (the earliest
    logged prediction odd the same way): here, four incidents in five, at their earliest reported
    prediction. The fifth falls back to looking that up, as an incident without a pattern does."""
    cursor.execute("""
        INSERT INTO incidents_incidentonset (incident_id, first_odd_prediction_at, prediction_id, pattern, computed_at)
        SELECT r.incident_id, MIN(p.timestamp), '', 'x above the training max', now()
        FROM reports_report r JOIN predictions_prediction p ON p.id = r.logged_prediction_id
        WHERE r.incident_id % 5 <> 0 GROUP BY r.incident_id ON CONFLICT DO NOTHING""")


def _vacuum_analyze() -> None:
    """Statistics and visibility maps as a settled database has them: autovacuum may be off (or
    not yet round), and without the visibility map PostgreSQL plans no index-only scans."""
    from django.db import connection

    with connection.cursor() as cursor:  # VACUUM cannot run inside a transaction: Django autocommits here
        cursor.execute("VACUUM ANALYZE")


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _backend_cpu_ms(pid: int) -> float | None:
    """CPU time PostgreSQL backend `pid` has used so far (ms), from /proc/<pid>/schedstat
    (nanoseconds on the CPU first); None when the server is not on this machine."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6
    except (OSError, ValueError, IndexError):
        return None


def _timed(label: str, runs: int, call) -> None:
    """Wall time (noisy on a shared machine) and CPU time: this process's plus the database
    backend's, which other work on the machine barely moves. A parallel plan's workers are other
    processes, not counted: for CPU figures that hold everything, run with
    PGOPTIONS='-c max_parallel_workers_per_gather=0'."""
    call()  # warm: the first call pays for imports and plan caching
    pid = _backend_pid()  # the same connection throughout (the calls neither close nor reopen it)
    walls, cpus = [], []
    for _ in range(runs):
        backend = _backend_cpu_ms(pid)
        started, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append((time.perf_counter() - started) * 1000)
        python = (time.process_time() - cpu) * 1000
        after = _backend_cpu_ms(pid)
        cpus.append(python + (after - backend if backend is not None and after is not None else 0))
    print(f"  {label:<58} wall median {statistics.median(walls):7.1f} best {min(walls):7.1f} ms   "
          f"cpu median {statistics.median(cpus):7.1f} best {min(cpus):7.1f} ms")


def measure(people: dict, runs: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from rest_framework.test import APIRequestFactory, force_authenticate

    from apps.insights.api.views import InsightsApi
    from apps.insights.read_models import InsightsFilters
    from apps.insights.selectors import insights_for

    factory, view = APIRequestFactory(), InsightsApi.as_view()
    year = InsightsFilters(since=timezone.localdate() - timedelta(days=365))

    def api(user, query=""):
        request = factory.get(f"/api/v1/insights/{query}")
        force_authenticate(request, user=user)
        response = view(request)
        response.render()
        assert response.status_code == 200, response.content[:500]

    with CaptureQueriesContext(connection) as queries:
        insights_for(user=people["admin"], filters=year)
    load = " / ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"the selector runs {len(queries)} SQL queries (load average {load})")
    if os.environ.get("BENCH_SLOWEST"):
        for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:6]:
            print(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:300]}")
    for who in ("admin", "member"):
        user = people[who]
        _timed(f"{who}: insights_for, the default 16 weeks", runs,
               lambda user=user: insights_for(user=user, filters=InsightsFilters()))
        _timed(f"{who}: insights_for, the last year", runs, lambda user=user: insights_for(user=user, filters=year))
        _timed(f"{who}: GET /api/v1/insights/ (default range)", runs, lambda user=user: api(user))
        _timed(f"{who}: GET /api/v1/insights/?since=… (the last year)", runs,
               lambda user=user: api(user, f"?since={year.since.isoformat()}"))


def main() -> None:
    parser = scratch_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]), runs=5,
                               database_url=DEFAULT_URL)
    args = parser.parse_args()

    with scratch_database(args.database_url, reuse=args.reuse, keep=args.keep):
        if args.reuse:
            from django.contrib.auth import get_user_model
            from django.core.management import call_command
            from django.db import connection

            call_command("migrate", verbosity=1)  # a database kept by an older checkout
            people = {name: get_user_model().objects.get(username=name) for name in ("admin", "member")}
            with connection.cursor() as cursor:
                _write_onsets(cursor)
            _vacuum_analyze()
        else:
            people = fill(incidents=args.incidents, reports=args.reports)
        measure(people, args.runs)


if __name__ == "__main__":
    main()
