"""Two model services (or two retries of one) sending overlapping batches at the same moment:
each id must be stored once, nobody may get an error, and the counts must add up."""

import random
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from apps.predictions.models import Prediction
from apps.predictions.services import predictions_log
from tests.registry.factories import trained_version

pytestmark = pytest.mark.django_db(transaction=True)

SENDERS = 4


def _row(i: int) -> dict:
    return {"prediction_id": f"c-{i}", "model": "iris", "model_version": "1.0",
            "features": {"sepal_length": 5.0 + i % 7, "sepal_width": 3.0, "petal_length": 1.4, "petal_width": 0.2},
            "output": "setosa", "timestamp": "2026-11-20T10:00:00Z"}


def test_overlapping_batches_sent_at_once_store_every_id_once_and_count_it_once():
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers need PostgreSQL (SQLite serialises them with a file lock).")
    trained_version()
    # Every sender covers most of the same ids, each in its own order, so the inserts really
    # collide on the unique index (and would deadlock without a common lock order).
    batches = []
    for sender in range(SENDERS):
        ids = list(range(sender * 100, sender * 100 + 1500))
        random.Random(sender).shuffle(ids)
        batches.append([_row(i) for i in ids])
    distinct = {i for sender in range(SENDERS) for i in range(sender * 100, sender * 100 + 1500)}
    start = threading.Barrier(SENDERS)

    def send(rows):
        try:
            start.wait()
            return predictions_log(rows=rows)
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(max_workers=SENDERS) as pool:
        results = list(pool.map(send, batches))

    assert sum(result.created for result in results) == len(distinct)
    assert all(result.created + result.duplicates == 1500 and not result.errors for result in results)
    assert Prediction.objects.count() == len(distinct)
    assert Prediction.objects.values("prediction_id").distinct().count() == len(distinct)


def test_the_staging_table_is_empty_after_each_batch_on_a_reused_connection():
    if connection.vendor != "postgresql":
        pytest.skip("The COPY staging table exists on PostgreSQL only.")
    trained_version()

    first = predictions_log(rows=[_row(i) for i in range(50)])
    second = predictions_log(rows=[_row(i) for i in range(25, 100)])

    assert (first.created, second.created, second.duplicates) == (50, 50, 25)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM prediction_log_staging_v1")
        assert cursor.fetchone()[0] == 0
