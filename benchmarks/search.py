"""Speed of search (issue 18) over 10,000 incidents and 100,000 reports on PostgreSQL. Not a
test: prints figures, asserts nothing.

  .venv/bin/python benchmarks/search.py [--incidents 10000] [--reports 100000] [--runs 7]
      [--database-url postgres://postgres@127.0.0.1:5432/mlincidents_bench_search]

Creates its own PostgreSQL database (dropped at the end, even on failure), migrates it (the GIN
indexes included), bulk-creates two teams' models, the incidents and reports (texts drawn from an
ML-bug vocabulary: a rare word in about 1 % of the rows, common ones in about 20 %), a post-mortem
with three whys for every fifth incident and an action item with a comment for every tenth, then
times `apps.search.selectors.search` — everything a results page needs: the facets and count, the
page of 20, its objects, titles and snippets — for a few representative queries, as an admin and
as a team member (scoped), and prints the median and the slowest of `--runs` runs each (target:
median < 300 ms)."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scratch import scratch_arguments, scratch_database  # noqa: E402  (benchmarks/scratch.py)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mlincidents_bench_search"
BATCH = 5000

COMMON = ["score", "prediction", "customer", "model", "feature", "page", "wrong", "odd", "expected", "shown",
          "version", "request", "value", "segment", "label", "output", "ranking", "homepage", "account", "class"]
TOPICS = ["unit change", "training serving skew", "unseen category", "missing value", "data drift",
          "business rule filter", "family account", "recently viewed box", "canary rollout", "timezone offset",
          "null rate jump", "stale cache", "feature pipeline backfill", "threshold too low", "duplicate events"]
RARE = ["milliseconds", "proline", "kilograms", "leap year"]



def _sentence(rng: random.Random, words: int) -> str:
    text = [rng.choice(COMMON) for _ in range(words)]
    text.insert(rng.randrange(len(text)), rng.choice(TOPICS))  # every row names one topic (~7 % each)
    if rng.random() < 0.01:
        text.insert(rng.randrange(len(text)), rng.choice(RARE))
    return " ".join(text).capitalize() + "."


def _bulk(model, rows) -> list:
    created = []
    for start in range(0, len(rows), BATCH):
        created += model.objects.bulk_create(rows[start:start + BATCH], batch_size=BATCH)
    return created


def load(*, incidents: int, reports: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from apps.accounts.models import Membership, Team
    from apps.actions.models import ActionItem, ActionItemComment, ReviewState
    from apps.incidents.models import Incident, IncidentStatus
    from apps.postmortems.models import Postmortem, RootCauseCategory, WhyNode
    from apps.registry.models import Model, ModelVersion
    from apps.reports.models import Report

    rng = random.Random(18)
    users = get_user_model()
    admin = users.objects.create(username="bench-admin", is_superuser=True, is_staff=True)
    member = users.objects.create(username="bench-member")
    teams = [Team.objects.create(slug=slug, name=slug.title()) for slug in ("cellar", "storefront")]
    Membership.objects.create(team=teams[0], user=member, role="member")
    versions = []
    for team, name in zip(teams, ("wine-cultivar", "homepage-recs"), strict=True):
        model = Model.objects.create(name=name, team=team)
        versions.append(ModelVersion.objects.create(model=model, version="1.0", artifact_uri="/dev/null"))
    now = timezone.now()
    statuses = list(IncidentStatus.values)
    started = time.perf_counter()
    incident_rows = _bulk(Incident, [Incident(
        title=_sentence(rng, 6)[:200], public_title=_sentence(rng, 4)[:200] if index % 3 == 0 else "",
        model=versions[index % 2].model, status=rng.choice(statuses), restricted=index % 50 == 0,
        resolution_note=_sentence(rng, 10) if index % 4 == 0 else "",
        created_at=now - timezone.timedelta(days=rng.randrange(720))) for index in range(incidents)])
    report_rows = []
    for index in range(reports):
        incident = incident_rows[index % incidents]
        report_rows.append(Report(
            model=incident.model, model_version=versions[0] if incident.model_id == versions[0].model_id
            else versions[1], title=_sentence(rng, 6)[:200], description=_sentence(rng, 30),
            expected=_sentence(rng, 8) if index % 2 else "", features={"proline": rng.random() * 1000},
            output="class_1", reporter=member if index % 7 == 0 else admin, incident=incident,
            created_at=incident.created_at + timezone.timedelta(minutes=index % 500)))
    _bulk(Report, report_rows)
    causes = list(RootCauseCategory.values)
    postmortems = _bulk(Postmortem, [Postmortem(
        incident=incident, summary=_sentence(rng, 25), facts=_sentence(rng, 30), root_cause_category=rng.choice(causes),
        business_impact=_sentence(rng, 12), went_wrong=_sentence(rng, 12), created_at=incident.created_at)
        for incident in incident_rows[::5]])
    _bulk(WhyNode, [WhyNode(postmortem=postmortem, question=f"Why {_sentence(rng, 6)}", answer=_sentence(rng, 15),
                            position=position) for postmortem in postmortems for position in range(3)])
    items = _bulk(ActionItem, [ActionItem(
        incident_id=postmortem.incident_id, title=_sentence(rng, 6)[:200],
        description=_sentence(rng, 20), kind="preventive", review_state=ReviewState.ACCEPTED)
        for postmortem in postmortems[::2]])
    _bulk(ActionItemComment, [ActionItemComment(item=item, author=member, body=_sentence(rng, 15)) for item in items])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"loaded {incidents:,} incidents, {reports:,} reports, {len(postmortems):,} post-mortems "
          f"({3 * len(postmortems):,} whys), {len(items):,} action items with a comment each "
          f"in {time.perf_counter() - started:.0f} s")
    return {"admin": admin, "member": member}


def measure(people: dict, runs: int) -> None:
    from apps.search.engine import SearchFilters
    from apps.search.selectors import search

    queries = [
        ("milliseconds", SearchFilters(), "a rare word (~1 % of rows)"),
        ("millisecond", SearchFilters(), "the same, stemmed"),
        ("unit change", SearchFilters(), "a common topic (~7 % of rows)"),
        ("customer score", SearchFilters(), "two very common words (~60 % of rows)"),
        ('"data drift" -canary', SearchFilters(), "a phrase, minus a word"),
        ("unit change", SearchFilters(type="postmortem", root_cause="feature_pipeline"), "with facets chosen"),
    ]
    print(f"search, {runs} runs each (median / slowest), whole results page of 20:")
    for who, user in people.items():
        for text, filters, what in queries:
            timings = []
            for _ in range(runs):
                user = type(user).objects.get(pk=user.pk)  # a new request: nothing cached
                started = time.perf_counter()
                results = search(user=user, text=text, filters=filters)
                timings.append((time.perf_counter() - started) * 1000)
            label = f"{text!r}" + (f" {filters.active()}" if filters.active() else "")
            print(f"  {who:6} {label:58} {results.count:>7,} results  {statistics.median(timings):6.0f} ms / "
                  f"{max(timings):6.0f} ms  ({what})")


def main() -> None:
    parser = scratch_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]), runs=7,
                               database_url=DEFAULT_URL)
    args = parser.parse_args()

    with scratch_database(args.database_url, reuse=args.reuse, keep=args.keep):
        from django.contrib.auth import get_user_model
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # on --reuse: a database kept by an older checkout
        if args.reuse:
            people = {name: get_user_model().objects.get(username=f"bench-{name}") for name in ("admin", "member")}
        else:
            people = load(incidents=args.incidents, reports=args.reports)
        print(f"load average {' / '.join(f'{value:.2f}' for value in os.getloadavg())}")
        measure(people, args.runs)


if __name__ == "__main__":
    main()
