import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Two requests, each in a transaction that reads and then writes, at the same time: the shape
# of report_create under load. Run in a fresh process on a SQLite file, because the test
# database is in memory and inside a test's transaction.
TWO_WRITERS = """
import threading, time
import django
django.setup()
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE tally (n INTEGER)")
failures = []
both_have_read = threading.Barrier(2, timeout=5)

def write(n):
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM tally")
                try:
                    both_have_read.wait(timeout=1)
                except threading.BrokenBarrierError:
                    pass  # immediate transactions never read at the same time: the other one waits
                cursor.execute("INSERT INTO tally VALUES (%s)", [n])
                time.sleep(0.1)
    except Exception as exc:
        failures.append(repr(exc))
    finally:
        connection.close()

threads = [threading.Thread(target=write, args=(n,)) for n in range(2)]
[thread.start() for thread in threads]
[thread.join() for thread in threads]
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM tally")
    print(cursor.fetchone()[0], failures)
"""


def test_concurrent_writers_on_sqlite_wait_for_each_other_instead_of_failing(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env |= {"DJANGO_SETTINGS_MODULE": "mlincidents.settings.test",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    result = subprocess.run([sys.executable, "-c", TWO_WRITERS], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2 []", "a writer failed with 'database is locked'"

