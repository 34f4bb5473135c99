"""Same-key requests sent at the same moment, from real concurrent transactions through the
whole stack, create one report and all get its answer (a bot retrying on a short timeout sends
exactly this). Needs PostgreSQL: SQLite runs one writer at a time, so there is no race there."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from apps.accounts.services import api_token_create
from apps.core.models import IdempotencyRecord
from apps.feedback.models import Feedback
from apps.predictions.services import predictions_log
from apps.reports.models import Report
from tests.accounts.factories import UserFactory
from tests.registry.factories import iris_row, trained_version

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"),
]

BURST = 12
ROUNDS = 4  # one lost race is enough to fail; a few bursts make losing it on the old code near certain
# Retries arrive a few milliseconds apart, not all at once: a request that starts while the
# first one is committing is the one that used to slip through.
STAGGER_SECONDS = 0.004


def _post_all_at_once(clients, path: str, body: dict, key: str) -> tuple[list, list[BaseException]]:
    barrier = threading.Barrier(len(clients))
    responses: list = []
    errors: list[BaseException] = []

    def run(client, delay):
        try:
            barrier.wait(timeout=30)
            time.sleep(delay)
            responses.append(client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key))
        except BaseException as error:  # collected and asserted on in the test's thread
            errors.append(error)
        finally:
            connections.close_all()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(client, index * STAGGER_SECONDS))
               for index, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    return responses, errors


def _same_token_clients(count: int) -> list[APIClient]:
    key = api_token_create(username=UserFactory().username, name="retrying bot").key
    clients = [APIClient() for _ in range(count)]  # a test client is not shared between threads
    for client in clients:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return clients


@pytest.fixture
def settings_without_limits(settings):
    settings.RATE_LIMITS = {"intake_client": None, "intake_address": None, "sign_in_address": None}
    return settings


def test_a_burst_of_same_key_reports_creates_one_report_and_no_server_error(settings_without_limits):
    version = trained_version()
    clients = _same_token_clients(BURST)  # one bot, one token: the retries of a single request

    for round_ in range(ROUNDS):
        body = {"model": version.model.name, "model_version": version.version, "features": iris_row(round_),
                "output": "setosa", "title": f"Odd answer {round_}"}
        responses, errors = _post_all_at_once(clients, "/api/v1/reports/", body, key=f"retry-{round_}")

        assert errors == []
        assert sorted({response.status_code for response in responses}) == [201], \
            [(response.status_code, response.content[:200]) for response in responses if response.status_code != 201]
        assert len({response.json()["id"] for response in responses}) == 1
        assert Report.objects.filter(title=f"Odd answer {round_}").count() == 1

    assert IdempotencyRecord.objects.count() == ROUNDS


def test_a_retry_that_looked_before_the_first_request_committed_gets_its_answer(settings_without_limits):
    """The interleaving the probe found, made certain: the retry looks for the key while the first
    request is still working, and writes only after the first one committed."""
    version = trained_version()
    first_client, retry_client = _same_token_clients(2)
    body = {"model": version.model.name, "model_version": version.version, "features": iris_row(0),
            "output": "setosa", "title": "Odd answer"}
    retry_looked, first_done = threading.Event(), threading.Event()
    answers: dict = {}

    def on_key_table(*, before_write: threading.Event | None = None, after_read: threading.Event | None = None):
        waited = []

        def hook(execute, sql, params, many, context):
            touches_keys = IdempotencyRecord._meta.db_table in sql
            if touches_keys and before_write and not waited and not sql.lstrip().upper().startswith("SELECT"):
                waited.append(before_write.wait(timeout=20))
            result = execute(sql, params, many, context)
            if touches_keys and after_read and sql.lstrip().upper().startswith("SELECT"):
                after_read.set()
            return result

        return hook

    def first():
        try:
            with connection.execute_wrapper(on_key_table(before_write=retry_looked)):
                answers["first"] = first_client.post("/api/v1/reports/", body, format="json",
                                                     HTTP_IDEMPOTENCY_KEY="same")
        finally:
            first_done.set()
            connections.close_all()

    def retry():
        try:
            with connection.execute_wrapper(on_key_table(before_write=first_done, after_read=retry_looked)):
                answers["retry"] = retry_client.post("/api/v1/reports/", body, format="json",
                                                     HTTP_IDEMPOTENCY_KEY="same")
        finally:
            retry_looked.set()
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=retry)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert answers["first"].status_code == answers["retry"].status_code == 201
    assert answers["retry"].json()["id"] == answers["first"].json()["id"]
    assert Report.objects.count() == 1


def test_a_burst_of_same_key_feedback_gives_it_once(settings_without_limits):
    version = trained_version()
    predictions_log(rows=[{"prediction_id": "p-1", "model": version.model.name, "model_version": version.version,
                           "features": iris_row(0), "output": "setosa"}])
    clients = _same_token_clients(BURST)
    body = {"model": version.model.name, "prediction_id": "p-1", "verdict": "down", "label": "virginica",
            "comment": "It is a virginica"}

    responses, errors = _post_all_at_once(clients, "/api/v1/feedback/", body, key="feedback-retry")

    assert errors == []
    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["id"] for response in responses}) == 1
    assert Feedback.objects.count() == 1
