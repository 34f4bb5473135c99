"""Ingest benchmark: the inference-log endpoint against a raw COPY of the same rows.

    .venv/bin/python benchmarks/ingest_predictions.py [--rows 100000] [--features 30] [--batch 1000]

What it does, all in one run against a PostgreSQL server you point it at (BENCH_DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/postgres; that role must be able to create databases):

1. creates a fresh database (mlincidents_bench_ingest), migrates it, registers a 30-feature
   scikit-learn model (trained on random data) through model_version_register, creates a token;
2. starts gunicorn with the production settings (2 workers) on a free loopback port and sends
   the rows to POST /api/v1/predictions/ in batches, from a small thread pool;
3. COPYs the same rows with psycopg into a scratch table of the same shape (same columns and
   indexes), in one transaction;
4. prints rows/s for both and their ratio (target: the endpoint reaches at least half of COPY),
   then stops gunicorn and drops the database.

Both timings start from the same Python rows and include turning them into JSON with the
standard json module, as a model service would (the request bodies on one side, the jsonb
columns on the other). Each is run --repeat times, alternating, and the best runs are compared:
other work on the machine only ever slows a run down. No thresholds are asserted: machines differ.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
MODEL_NAME = "bench-ingest"
MODEL_VERSION = "1"


def _admin_connection(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def _database_url(admin_url: str, dbname: str) -> str:
    info = psycopg.conninfo.conninfo_to_dict(admin_url)
    user = info.get("user", "postgres")
    password = f":{info['password']}" if info.get("password") else ""
    host, port = info.get("host", "127.0.0.1"), info.get("port", "5432")
    return f"postgres://{user}{password}@{host}:{port}/{dbname}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _setup_django(env: dict[str, str], features: int) -> tuple[str, int, int, list[str]]:
    """Migrates, registers the model and returns (token, model_id, version_id, feature names)."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import joblib
    import numpy as np
    import pandas as pd
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from sklearn.linear_model import LogisticRegression

    from apps.accounts.services import api_token_create
    from apps.registry.services import model_version_register

    call_command("migrate", verbosity=0)
    names = [f"f{index:02d}" for index in range(features)]
    rng = np.random.default_rng(7)
    reference = pd.DataFrame(rng.normal(size=(500, features)), columns=names)
    labels = np.where(reference.sum(axis=1) > 0, "yes", "no")
    artifact = Path(env["ARTIFACT_ROOT"]) / "bench-model.joblib"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(LogisticRegression(max_iter=500).fit(reference, labels), artifact)
    version = model_version_register(model_name=MODEL_NAME, version=MODEL_VERSION, artifact_uri=str(artifact),
                                     reference=reference)
    get_user_model().objects.create_user("bench-sender", password=secrets.token_urlsafe(16))
    token = api_token_create(username="bench-sender", name="benchmark").key
    return token, version.model_id, version.pk, names


def _make_rows(count: int, names: list[str]) -> list[dict]:
    import numpy as np

    rng = np.random.default_rng(11)
    values = rng.normal(size=(count, len(names))).round(6).tolist()
    start = datetime(2026, 11, 1, tzinfo=UTC)
    return [
        {"prediction_id": f"bench-{index:07d}", "model": MODEL_NAME, "model_version": MODEL_VERSION,
         "features": dict(zip(names, row, strict=True)), "output": "yes" if sum(row) > 0 else "no",
         "timestamp": (start + timedelta(milliseconds=index)).isoformat(),
         "context": {"surface": "benchmark", "request_id": f"req-{index}"}}
        for index, row in enumerate(values)
    ]


def _start_gunicorn(env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "mlincidents.wsgi:application", "--workers", str(workers),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120"],
        cwd=ROOT, env=os.environ | env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def _post_batch(port: int, token: str, batch: list[dict]) -> tuple[int, int]:
    body = json.dumps(batch).encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    connection.request("POST", "/api/v1/predictions/", body=body, headers={
        "Authorization": f"Token {token}", "Content-Type": "application/json"})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    if response.status != 201:
        raise SystemExit(f"The endpoint answered {response.status}: {payload[:500]!r}")
    result = json.loads(payload)
    return result["created"], len(result["errors"])


def _process_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes (Linux /proc; 0 where unreadable)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _children(parent: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """Where the CPU of a run goes: this process, the gunicorn workers and the PostgreSQL
    backends serving them (visible only when connections persist), so that a run slowed down
    by other work on the machine can still be read."""

    def __init__(self, database_url: str, gunicorn_pid: int | None = None, backend_pids: list[int] | None = None):
        self.database_url, self.gunicorn_pid, self.backend_pids = database_url, gunicorn_pid, backend_pids

    def _backends(self) -> list[int]:
        if self.backend_pids is not None:
            return self.backend_pids
        with psycopg.connect(self.database_url) as connection:
            return [pid for (pid,) in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'")]

    def __enter__(self):
        self.workers = _children(self.gunicorn_pid) if self.gunicorn_pid else []
        self.start = (_client_cpu(), _process_cpu(self.workers), _process_cpu(self._backends()))
        return self

    def __exit__(self, *exc_info):
        end = (_client_cpu(), _process_cpu(self.workers), _process_cpu(self._backends()))
        self.client, self.server, self.database = (after - before for after, before in zip(end, self.start,
                                                                                            strict=True))


def _bench_endpoint(port: int, token: str, rows: list[dict], batch_size: int, threads: int) -> tuple[float, int]:
    batches = [rows[start:start + batch_size] for start in range(0, len(rows), batch_size)]
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(lambda batch: _post_batch(port, token, batch), batches))
    elapsed = time.perf_counter() - began
    errors = sum(error_count for _, error_count in results)
    if errors:
        raise SystemExit(f"{errors} rows were refused")
    return elapsed, sum(created for created, _ in results)


def _bench_copy(database_url: str, rows: list[dict], model_id: int, version_id: int) -> tuple[float, CpuMeter]:
    columns = ["model_id", "model_version_id", "prediction_id", "timestamp", "features", "output", "context",
               "received_at"]
    with psycopg.connect(database_url) as connection:
        connection.execute("DROP TABLE IF EXISTS bench_copy_scratch")
        connection.execute("CREATE TABLE bench_copy_scratch (LIKE predictions_prediction INCLUDING ALL)")
        connection.commit()
        copy_sql = sql.SQL("COPY bench_copy_scratch ({}) FROM STDIN").format(
            sql.SQL(", ").join(map(sql.Identifier, columns)))
        received = datetime.now(UTC)
        meter = CpuMeter(database_url, backend_pids=[connection.info.backend_pid])
        with meter:
            began = time.perf_counter()
            with connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row((model_id, version_id, row["prediction_id"], row["timestamp"],
                                    json.dumps(row["features"]), json.dumps(row["output"]),
                                    json.dumps(row["context"]), received))
            connection.commit()
            elapsed = time.perf_counter() - began
        copied = connection.execute("SELECT count(*) FROM bench_copy_scratch").fetchone()[0]
    if copied != len(rows):
        raise SystemExit(f"COPY stored {copied} rows, not {len(rows)}")
    return elapsed, meter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="client threads sending batches")
    parser.add_argument("--conn-max-age", type=int, default=60,
                        help="DATABASE_CONN_MAX_AGE for gunicorn: 60 keeps a connection per worker, as a service "
                             "taking a steady stream of batches should; 0 (the settings' default) connects per request")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each, alternating; the best of each is compared (other load on the machine "
                             "only ever slows a run down)")
    parser.add_argument("--database", default="mlincidents_bench_ingest", help="scratch database (dropped)")
    parser.add_argument("--keep-database", action="store_true", help="leave the scratch database for inspection")
    args = parser.parse_args()

    admin_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    database_url = _database_url(admin_url, args.database)
    with _admin_connection(admin_url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.database)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(args.database)))

    scratch = tempfile.TemporaryDirectory(prefix="mlincidents-bench-")
    env = {
        "DJANGO_SETTINGS_MODULE": "mlincidents.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": database_url,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "THROTTLE_INTAKE_USER": "1000000/min",
        "THROTTLE_INTAKE_IP": "1000000/min",
        "ARTIFACT_ROOT": str(Path(scratch.name) / "artifacts"),
        "MEDIA_ROOT": str(Path(scratch.name) / "media"),
        "LOG_LEVEL": "WARNING",
        "DATABASE_CONN_MAX_AGE": str(args.conn_max_age),
        "REDIS_URL": "",
        # Static files are not collected for an API benchmark; whitenoise would warn about it.
        "PYTHONWARNINGS": "ignore:No directory at",
    }
    gunicorn = None
    try:
        token, model_id, version_id, names = _setup_django(env, args.features)
        rows = _make_rows(args.rows, names)
        gunicorn = _start_gunicorn(env, _free_port(), args.workers)
        port = int(gunicorn.args[gunicorn.args.index("--bind") + 1].rsplit(":", 1)[1])

        endpoint_runs, copy_runs, endpoint_meters, copy_meters = [], [], [], []
        for _ in range(args.repeat):
            with psycopg.connect(database_url) as connection:
                connection.execute("TRUNCATE predictions_prediction CASCADE")  # reports and feedback: empty
            with CpuMeter(database_url, gunicorn_pid=gunicorn.pid) as meter:
                seconds, created = _bench_endpoint(port, token, rows, args.batch, args.threads)
            endpoint_meters.append(meter)
            with psycopg.connect(database_url) as connection:
                stored = connection.execute("SELECT count(*) FROM predictions_prediction").fetchone()[0]
            if created != args.rows or stored != args.rows:
                raise SystemExit(f"The endpoint created {created} and stored {stored} rows, not {args.rows}")
            endpoint_runs.append(seconds)
            copy_seconds, copy_meter = _bench_copy(database_url, rows, model_id, version_id)
            copy_runs.append(copy_seconds)
            copy_meters.append(copy_meter)
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        if not args.keep_database:
            with _admin_connection(admin_url) as admin:
                admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(args.database)))
        scratch.cleanup()

    endpoint_seconds, copy_seconds = min(endpoint_runs), min(copy_runs)
    endpoint_rate, copy_rate = args.rows / endpoint_seconds, args.rows / copy_seconds
    print(f"Ingest benchmark: {args.rows:,} predictions x {args.features} features into PostgreSQL, "
          f"batches of {args.batch:,}, best of {args.repeat}")
    print(f"  endpoint  POST /api/v1/predictions/ (gunicorn, {args.workers} workers, {args.threads} client threads, "
          f"CONN_MAX_AGE={env['DATABASE_CONN_MAX_AGE']}): {endpoint_seconds:6.2f} s {endpoint_rate:8,.0f} rows/s")
    print(f"  raw COPY  psycopg, one COPY into a scratch table of the same shape:       "
          f"       {copy_seconds:6.2f} s {copy_rate:8,.0f} rows/s")
    print(f"  ratio endpoint / COPY: {endpoint_rate / copy_rate:.2f} (target: at least 0.50)")
    print("  runs (endpoint s / COPY s): " + ", ".join(f"{e:.2f}/{c:.2f}" for e, c in zip(endpoint_runs, copy_runs,
                                                                                          strict=True)))
    per_1000 = 1000 / args.rows * 1000
    endpoint_cpu = min(endpoint_meters, key=lambda m: m.client + m.server + m.database)
    copy_cpu = min(copy_meters, key=lambda m: m.client + m.database)
    database_note = (f"PostgreSQL {endpoint_cpu.database * per_1000:.0f}" if args.conn_max_age
                     else "PostgreSQL not counted: a backend per request")
    print("  CPU per 1,000 rows (least of the runs): endpoint: gunicorn workers "
          f"{endpoint_cpu.server * per_1000:.0f} ms, {database_note}, client {endpoint_cpu.client * per_1000:.0f}; "
          f"COPY: PostgreSQL {copy_cpu.database * per_1000:.0f} ms, client {copy_cpu.client * per_1000:.0f}")
    print(f"  load average at the end: {' '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
