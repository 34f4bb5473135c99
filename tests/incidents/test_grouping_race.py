"""Reports with one fingerprint filed at the same moment, from real concurrent transactions,
open one incident, not several. Needs PostgreSQL: SQLite runs one writer at a time anyway,
so there is no race to lose there."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from apps.incidents.models import FingerprintRoute, Incident
from apps.reports.models import Report
from tests.accounts.factories import UserFactory
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers (PostgreSQL)"),
]

THREADS = 6


def _file_all_at_once(filers) -> list[BaseException]:
    barrier = threading.Barrier(len(filers))
    errors: list[BaseException] = []

    def run(filer):
        try:
            barrier.wait(timeout=30)
            filer()
        except BaseException as error:  # collected and asserted on in the test's thread
            errors.append(error)
        finally:
            connections.close_all()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(filer,)) for filer in filers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_reports_with_one_fingerprint_open_one_incident():
    version = trained_version()
    users = [UserFactory() for _ in range(THREADS)]

    errors = _file_all_at_once([
        lambda user=user, index=index: file_report(reporter=user, version=version, index=index)
        for index, user in enumerate(users)
    ])

    assert errors == []
    assert Report.objects.count() == THREADS
    assert Incident.objects.count() == 1
    assert FingerprintRoute.objects.count() == 1
    assert Incident.objects.get().reports.count() == THREADS


def test_concurrent_reports_on_a_closed_incident_open_one_successor():
    from apps.incidents.services import incident_transition

    version = trained_version()
    first = file_report(reporter=UserFactory(), version=version, index=0)
    incident_transition(incident_id=first.incident_id, to="resolved", actor=None)
    incident_transition(incident_id=first.incident_id, to="closed", actor=None)
    users = [UserFactory() for _ in range(THREADS)]

    errors = _file_all_at_once([
        lambda user=user, index=index: file_report(reporter=user, version=version, index=index + 1)
        for index, user in enumerate(users)
    ])

    assert errors == []
    assert Incident.objects.count() == 2
    successor = Incident.objects.exclude(pk=first.incident_id).get()
    assert successor.reports.count() == THREADS
