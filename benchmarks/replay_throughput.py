"""Replay throughput, end to end, against its floor.

    .venv/bin/python benchmarks/replay_throughput.py [--rows 100000] [--features 30] [--concurrency 2]

Creates a fresh PostgreSQL database (dropped at the end), registers a scikit-learn
random-forest pipeline, stores ROWS reports with FEATURES numeric features, starts a real
`celery worker` on Redis and replays every report through it: from `replay_start` to the
replay's last chunk committed. In the same run it measures the floor for the same work — one
SQL query into pandas, one `model.predict` on the whole frame, one bulk write (COPY) of the
outputs — and prints both, their ratio, and the worker's peak memory.

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres: the
server and the account; the database name is replaced by a fresh one) and BENCH_REDIS_URL
(default redis://127.0.0.1:6379/10). Not a test: no thresholds are checked."""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _admin_connection(base: str):
    import psycopg

    return psycopg.connect(_database_url(base, "postgres").replace("postgres://", "postgresql://", 1),
                           autocommit=True)


def _peak_kib(pid: int) -> int:
    """Peak resident memory (VmHWM) of a process and all its children, in KiB."""
    total = 0
    pids = [pid]
    try:
        pids += [int(child) for child in
                 subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()]
    except OSError:
        pass
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def _setup_django(database_url: str, redis_url: str, artifacts: str, queue: str) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "mlincidents.settings.local", "DJANGO_DEBUG": "false",
        "DATABASE_URL": database_url, "REDIS_URL": redis_url, "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_TASK_DEFAULT_QUEUE": queue, "ARTIFACT_ROOT": artifacts,
        "LOG_LEVEL": "WARNING",
    })
    sys.path.insert(0, str(PROJECT_ROOT))
    import django

    django.setup()


def _train(rows: int, features: int, artifacts: str):
    import joblib
    import pandas as pd
    from sklearn.datasets import make_classification
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data, labels = make_classification(n_samples=rows, n_features=features, n_informative=12, n_classes=3,
                                       random_state=7)
    frame = pd.DataFrame(data, columns=[f"f{i:02d}" for i in range(features)]).round(6)
    classes = pd.Series(labels).map({0: "low", 1: "medium", 2: "high"})
    model = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=60, max_depth=12, n_jobs=1,
                                                                   random_state=7))
    model.fit(frame.iloc[:20_000], classes.iloc[:20_000])
    path = Path(artifacts) / "bench-rf.joblib"
    joblib.dump(model, path)
    return frame, model, path


def _store_reports(frame, outputs, version) -> None:
    from django.db import transaction

    from apps.incidents.models import Incident
    from apps.reports.models import Report

    with transaction.atomic():
        incident = Incident.objects.create(model=version.model, title="benchmark")
        records = frame.to_dict(orient="records")
        Report.objects.bulk_create(
            [Report(model=version.model, model_version=version, features=features, output=output,
                    title=f"bench {index}", incident=incident)
             for index, (features, output) in enumerate(zip(records, outputs, strict=True))],
            batch_size=5000,
        )


def _start_worker(env: dict, queue: str, concurrency: int, log_path: Path) -> subprocess.Popen:
    log = log_path.open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "mlincidents", "worker", "-Q", queue, "--pool", "prefork",
         "--concurrency", str(concurrency), "--without-gossip", "--without-mingle", "--without-heartbeat",
         "-l", "WARNING", "-n", f"{queue}@%h"],
        cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    from mlincidents.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
            return worker
        if worker.poll() is not None:
            raise SystemExit(f"The worker stopped at start:\n{log_path.read_text()[-3000:]}")
    raise SystemExit("The worker did not answer within 60 s.")


def _end_to_end(version, worker: subprocess.Popen) -> tuple[float, object, int]:
    from apps.replays.models import Replay
    from apps.replays.services import replay_start
    from apps.reports.models import Report

    started = time.perf_counter()
    replay = replay_start(actor=None, model_version=version, reports=Report.objects.filter(model=version.model)
                          .only("id"))
    while True:
        replay = Replay.objects.get(pk=replay.pk)
        if replay.is_finished:
            break
        time.sleep(0.1)
    elapsed = time.perf_counter() - started
    # VmHWM is each process's own high-water mark: read once, at the end.
    return elapsed, replay, _peak_kib(worker.pid)


def _floor(version, model_path: Path) -> dict[str, float]:
    """The least work a replay must do: read, predict, write — each in one go."""
    import joblib
    import pandas as pd
    from django.db import connection
    from psycopg.types.json import Jsonb

    model = joblib.load(model_path)  # not timed: a worker keeps its model loaded
    times = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, features, output FROM reports_report WHERE model_version_id = %s ORDER BY id",
                       [version.pk])
        rows = cursor.fetchall()
    # Django's connection hands jsonb over as text (its JSONField decodes it): decode it here too.
    rows = [(pk, json.loads(features), json.loads(output)) for pk, features, output in rows]
    frame = pd.DataFrame.from_records([features for _, features, _ in rows])
    times["read"] = time.perf_counter() - started
    mark = time.perf_counter()
    outputs = model.predict(frame[version.feature_names]).tolist()
    times["predict"] = time.perf_counter() - mark
    mark = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS floor_outputs")
        cursor.execute("CREATE TEMPORARY TABLE floor_outputs (report_id bigint, output jsonb, matches boolean)")
        with cursor.cursor.copy("COPY floor_outputs (report_id, output, matches) FROM STDIN") as copy:
            for (report_id, _, logged), output in zip(rows, outputs, strict=True):
                copy.write_row((report_id, Jsonb(output), logged == output))
    times["write"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - started
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--chunk-size", type=int, default=None, help="REPLAY_CHUNK_SIZE (default: the setting)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="end-to-end runs, each followed by a floor run (default 3): on a shared machine the "
                             "median says more than one run")
    args = parser.parse_args()

    base_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
    name = f"mli_bench_{uuid.uuid4().hex[:8]}"
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    database_url = _database_url(base_url, name)
    if args.chunk_size:
        os.environ["REPLAY_CHUNK_SIZE"] = str(args.chunk_size)
    with _admin_connection(base_url) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    worker = None
    scratch = tempfile.TemporaryDirectory(prefix="mli-bench-")
    try:
        _setup_django(database_url, redis_url, scratch.name, queue)
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from apps.registry.services import model_version_register

        call_command("migrate", verbosity=0)
        print(f"Preparing {args.rows:,} reports with {args.features} features in database {name}…", flush=True)
        frame, model, path = _train(args.rows, args.features, scratch.name)
        version = model_version_register(model_name="bench-rf", version="1", artifact_uri=str(path),
                                         reference=frame.iloc[:10_000])
        _store_reports(frame, model.predict(frame).tolist(), version)
        connection.close()  # the worker forks nothing of ours, but keep this process's state clean

        env = os.environ | {"DJANGO_SETTINGS_MODULE": "mlincidents.settings.local"}
        worker = _start_worker(env, queue, args.concurrency, Path(scratch.name) / "worker.log")
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; worker: prefork "
              f"x{args.concurrency}; chunk size {settings.REPLAY_CHUNK_SIZE}; "
              "model: StandardScaler + RandomForest(60 trees, depth 12)")
        ratios = []
        for run in range(1, args.repeat + 1):
            # Each run replays on a version of its own (the same artifact), so no run compares
            # its results with an earlier one's (the nondeterminism check would then read them).
            target = version if run == 1 else model_version_register(
                model_name="bench-rf", version=str(run), artifact_uri=str(path), schema=version.feature_schema)
            elapsed, replay, peak_kib = _end_to_end(target, worker)
            if replay.status != "succeeded":
                raise SystemExit(f"The replay {replay.status}: {replay.error_message}")
            floor = _floor(version, path)
            ratios.append(elapsed / floor["total"])
            chunks = list(replay.chunks.values_list("started_at", "finished_at"))
            busy = sum((done - start).total_seconds() for start, done in chunks)
            print(f"run {run}: replayed {replay.total:,} inputs (matched {replay.matched:,}, mismatched "
                  f"{replay.mismatched:,}, errors {replay.errors:,}, nondeterministic {replay.nondeterministic:,}, "
                  f"chunks {replay.chunks_done}/{replay.chunks_total})")
            print(f"  end to end (replay_start -> last chunk committed): {elapsed:6.2f} s  "
                  f"{args.rows / elapsed:9,.0f} inputs/s")
            print(f"  floor (1 query + 1 predict + 1 COPY):            {floor['total']:6.2f} s  "
                  f"{args.rows / floor['total']:9,.0f} inputs/s   [read {floor['read']:.2f} s, "
                  f"predict {floor['predict']:.2f} s, write {floor['write']:.2f} s]")
            print(f"  chunks {busy / len(chunks):.2f} s each on average; first claimed "
                  f"{(min(start for start, _ in chunks) - replay.created_at).total_seconds():.2f} s after the "
                  f"replay was created; end to end / floor {ratios[-1]:.2f}x; load average {os.getloadavg()[0]:.1f}")
        print(f"end to end / floor: median {statistics.median(ratios):.2f}x, best {min(ratios):.2f}x, "
              f"worst {max(ratios):.2f}x over {len(ratios)} run(s) (target <= 1.5x)")
        print(f"peak worker memory (main + {args.concurrency} children, VmHWM): {peak_kib / 1024:,.0f} MiB "
              f"(target < 1024 MiB)")
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 — Django may not be set up yet
            pass
        with _admin_connection(base_url) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        scratch.cleanup()


if __name__ == "__main__":
    main()
