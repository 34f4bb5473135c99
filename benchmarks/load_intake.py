"""Load benchmark of report intake and page views on gunicorn + PostgreSQL + Redis.

    .venv/bin/python benchmarks/load_intake.py [--duration 60] [--users 10,50,100]

Starts the real app with scripts/live-server on a fresh PostgreSQL database, then for each
number of concurrent clients runs Locust headless (benchmarks/locustfile.py: three bots filing
reports through POST /api/v1/reports/ for each person reading the report list, a report and
the incident list) and prints throughput, p50/p95/p99 per endpoint, errors, and whether every
acknowledged report is in the database (lost = 2xx responses − new rows).

With `--stop-redis-after SECONDS` it starts a throwaway redis-server of its own on a free port
(never the machine's shared one), kills it that many seconds into the first measured level, and
prints what /readyz said then and the status codes seen: intake must go on acknowledging, and
acknowledged must equal stored.

Targets from the issue: no errors, no lost reports, p95 < 100 ms for POST /api/v1/reports/ at
50 clients. A benchmark, not a test: it prints, it asserts nothing. Installs Locust
(benchmarks/requirements.txt) into the venv if it is missing.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
INTAKE = "POST /api/v1/reports/"
DEMO_PASSWORD = "mlincidents-demo"


@dataclass
class Level:
    users: int
    rows: list[dict]
    new_reports: int
    acknowledged: int
    failures: list[dict]
    status_codes: dict[str, dict[str, int]] = field(default_factory=dict)

    def row(self, name: str) -> dict | None:
        return next((row for row in self.rows if row["Name"] == name), None)


class ThrowawayRedis:
    """A redis-server of the benchmark's own on a free loopback port, killed on request (the
    outage) and at the end; nothing is saved to disk."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            sys.exit("--stop-redis-after needs redis-server on PATH")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL)
        self.stopped_after: float | None = None
        self.readyz: str = ""
        self._timer: threading.Timer | None = None
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        self.close()
        sys.exit(f"redis-server did not start on port {self.port}")

    def stop_later(self, seconds: float, url: str) -> None:
        started = time.monotonic()

        def outage() -> None:
            self.process.kill()  # as a crash would: no goodbye to the clients
            self.process.wait()
            self.stopped_after = time.monotonic() - started
            time.sleep(2)
            self.readyz = probe_readyz(url)

        self._timer = threading.Timer(seconds, outage)
        self._timer.daemon = True
        self._timer.start()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def probe_readyz(url: str) -> str:
    try:
        with urllib.request.urlopen(f"{url}/readyz", timeout=10) as response:
            return f"{response.status} {response.read().decode()[:300]}"
    except urllib.error.HTTPError as error:
        return f"{error.code} {error.read().decode()[:300]}"
    except OSError as error:
        return f"no answer ({error!r})"


def ensure_locust() -> None:
    if importlib.util.find_spec("locust") is None:
        print("Locust is not installed: pip install -r benchmarks/requirements.txt", flush=True)
        subprocess.run([PYTHON, "-m", "pip", "install", "-q", "-r", str(HERE / "requirements.txt")], check=True)


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, str, str]:
    command = [str(ROOT / "scripts" / "live-server"), "--database-url", args.database_url, "--drop-existing",
               "--redis-url", args.redis_url, "--workers", str(args.workers), "--threads", str(args.threads)]
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    found = {}
    for line in server.stdout:
        key, _, value = line.strip().partition("=")
        found[key] = value
        if {"LIVE_SERVER_URL", "LIVE_SERVER_TOKEN"} <= found.keys():
            return server, found["LIVE_SERVER_URL"], found["LIVE_SERVER_TOKEN"]
    server.wait()
    sys.exit(f"live-server did not start (exit {server.returncode})")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)  # live-server stops gunicorn and drops the database
        server.wait(timeout=60)


def api_get(url: str, token: str) -> dict:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def report_count(database_url: str) -> int:
    import environ
    import psycopg

    config = environ.Env.db_url_config(database_url)
    with psycopg.connect(host=config["HOST"] or "127.0.0.1", port=config["PORT"] or 5432, user=config["USER"] or None,
                         password=config["PASSWORD"] or None, dbname=config["NAME"]) as conn:
        return conn.execute("SELECT count(*) FROM reports_report").fetchone()[0]


def run_level(args: argparse.Namespace, url: str, env: dict[str, str], users: int, workdir: Path,
              duration: int, outage: ThrowawayRedis | None = None) -> Level:
    before = report_count(args.database_url)
    prefix = workdir / f"users{users}-{duration}s"
    command = [PYTHON, "-m", "locust", "-f", str(HERE / "locustfile.py"), "--headless", "--host", url,
               "--users", str(users), "--spawn-rate", str(max(users, 10)), "--run-time", f"{duration}s",
               "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"]
    ack_file = workdir / f"{prefix.name}.acknowledged"
    status_file = workdir / f"{prefix.name}.statuses.json"
    if outage is not None:
        outage.stop_later(args.stop_redis_after, url)
    result = subprocess.run(command, cwd=ROOT, env=env | {"LOAD_ACK_FILE": str(ack_file),
                                                          "LOAD_STATUS_FILE": str(status_file)},
                            capture_output=True, text=True)
    if not (prefix.parent / f"{prefix.name}_stats.csv").exists():
        sys.exit(f"locust failed (exit {result.returncode}):\n{result.stderr[-3000:]}")
    with open(prefix.parent / f"{prefix.name}_stats.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with open(prefix.parent / f"{prefix.name}_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))
    return Level(users=users, rows=rows, new_reports=report_count(args.database_url) - before,
                 acknowledged=int(ack_file.read_text()), failures=failures,
                 status_codes=json.loads(status_file.read_text()) if status_file.exists() else {})


def print_level(level: Level, duration: int) -> None:
    total = level.row("Aggregated")
    # The machine may be shared (CI, colleagues' test runs): say how busy it was.
    load = os.getloadavg()[0]
    print(f"\n{level.users} concurrent clients, {duration} s: {float(total['Requests/s']):.1f} requests/s, "
          f"{total['Failure Count']} errors of {total['Request Count']} requests (load average {load:.1f})")
    print(f"  {'endpoint':<26} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for row in level.rows:
        if row["Name"] == "Aggregated" or row["Name"].endswith("/accounts/login/"):
            continue
        print(f"  {row['Name']:<26} {row['Request Count']:>8} {float(row['Requests/s']):>7.1f} {row['50%']:>7} "
              f"{row['95%']:>7} {row['99%']:>7} {row['Failure Count']:>6}")
    lost = level.acknowledged - level.new_reports
    print(f"  reports: {level.acknowledged} acknowledged (201), {level.new_reports} new rows in the database, "
          f"lost {max(lost, 0)}" + (f", {-lost} stored without a 201 reaching the client" if lost < 0 else ""))
    print(f"  acknowledged = stored: {'yes' if lost == 0 else 'NO'}")
    for name, codes in sorted(level.status_codes.items()):
        seen = ", ".join(f"{code}×{count}" for code, count in sorted(codes.items(), key=lambda item: int(item[0])))
        print(f"  status codes {name}: {seen}")
    for failure in level.failures[:5]:
        print(f"  error: {failure['Name']} ×{failure['Occurrences']}: {failure['Error'][:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds per concurrency level (default 60)")
    parser.add_argument("--users", default="10,50,100", help="concurrency levels, comma-separated")
    parser.add_argument("--warmup", type=int, default=10,
                        help="seconds of unreported load first: each gunicorn worker imports the app's "
                             "views (pandas, scikit-learn) on its first request (default 10)")
    parser.add_argument("--wait", default="0.5,1.5",
                        help="MIN,MAX seconds each client waits between requests (default 0.5,1.5; 0,0: none)")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/mlincidents_bench",
                        help="PostgreSQL database to create fresh (dropped if it exists, and after the run)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7")
    parser.add_argument("--stop-redis-after", type=float, default=None, metavar="SECONDS",
                        help="use a throwaway redis-server of the benchmark's own (instead of --redis-url) and "
                             "kill it this many seconds into the first measured level: intake during a Redis "
                             "outage")
    # Sync workers, as in the Dockerfile: a request per process, spread over the processes as they
    # accept. gthread workers keep connections alive, and when the CPU is short an idle
    # connection can be closed just as the client sends on it (a reset, gunicorn issues #1698, #2676).
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4, for 2 cores)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker (default 1: sync workers; more: gthread)")
    parser.add_argument("--conn-max-age", type=int, default=None,
                        help="DATABASE_CONN_MAX_AGE for the app (default: the app's own, 0 = a connection per request)")
    args = parser.parse_args()
    levels = [int(users) for users in args.users.split(",")]

    ensure_locust()
    if args.conn_max_age is not None:
        os.environ["DATABASE_CONN_MAX_AGE"] = str(args.conn_max_age)  # live-server passes it on to gunicorn
    outage = ThrowawayRedis() if args.stop_redis_after is not None else None
    if outage is not None:
        args.redis_url = outage.url
    try:
        run_benchmark(args, levels, outage)
    finally:
        if outage is not None:
            outage.close()


def run_benchmark(args: argparse.Namespace, levels: list[int], outage: ThrowawayRedis | None) -> None:
    server, url, token = start_server(args)
    try:
        # The demo's third report: an ordinary input (the first one has the unit-changed feature).
        template = api_get(f"{url}/api/v1/reports/3/", token)["features"]
        env = os.environ | {"LOAD_TOKEN": token, "LOAD_PASSWORD": DEMO_PASSWORD, "LOAD_FEATURES": json.dumps(template),
                            "LOAD_WAIT": args.wait}
        conn_max_age = os.environ.get("DATABASE_CONN_MAX_AGE", "60 s, production's default")
        print(f"mlincidents load benchmark: gunicorn {args.workers} workers × {args.threads} threads, PostgreSQL "
              f"{args.database_url.rsplit('/', 1)[-1]} (CONN_MAX_AGE {conn_max_age}), "
              f"Redis {args.redis_url}, on {os.cpu_count()} cores shared "
              f"with Locust; clients wait {args.wait.replace(',', '–')} s between requests; "
              f"3 report-filing bots per page reader", flush=True)
        with tempfile.TemporaryDirectory(prefix="mli-load-") as workdir:
            if args.warmup:
                warm = run_level(args, url, env, levels[0], Path(workdir), args.warmup)
                print(f"(warm-up: {args.warmup} s at {levels[0]} clients, {warm.acknowledged} reports, not reported)")
            for index, users in enumerate(levels):
                level = run_level(args, url, env, users, Path(workdir), args.duration,
                                  outage=outage if index == 0 else None)
                print_level(level, args.duration)
                if outage is not None and index == 0:
                    when = f"{outage.stopped_after:.1f} s into it" if outage.stopped_after else "not stopped"
                    print(f"  Redis (own, port {outage.port}) killed {when}; /readyz 2 s later: {outage.readyz}")
                sys.stdout.flush()
                time.sleep(2)
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
