"""Forensics hear a report's inputs arriving (apps/reports/hooks.py) instead of reports calling
them: queued in the filing transaction, and never the reason a report is lost."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.audit.models import AuditEvent
from apps.forensics.models import JobStatus, ReportForensics
from apps.reports.models import Report
from tests.accounts.factories import TeamFactory, member_of, token_client
from tests.forensics.factories import wine_row, wine_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    team = TeamFactory()
    wine_version(team=team)
    return member_of(team)


def _file(user):
    return token_client(user).post("/api/v1/reports/", {"model": "wine", "model_version": "1.0",
                                                        "features": wine_row(3), "output": "class_0",
                                                        "title": "Same cultivar everywhere"}, format="json")


def test_a_report_filed_with_its_inputs_answers_with_its_forensics_queued(member):
    response = _file(member)

    assert response.status_code == 201
    body = response.json()
    assert body["forensics"]["status"] == JobStatus.QUEUED and body["input_checks"]
    assert ReportForensics.objects.get(report_id=body["id"]).status == JobStatus.QUEUED


def test_forensics_failing_at_intake_does_not_lose_the_report(member, monkeypatch):
    def broken(**kwargs):
        # A real database error: on PostgreSQL it aborts the transaction unless a savepoint holds it.
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_for_forensics")

    monkeypatch.setattr(ReportForensics.objects, "update_or_create", broken)

    response = _file(member)

    assert response.status_code == 201
    report_id = response.json()["id"]
    assert response.json()["forensics"] is None
    assert Report.objects.filter(pk=report_id).exists()
    assert AuditEvent.objects.filter(action="report.create", target_id=str(report_id)).exists()
    assert not ReportForensics.objects.filter(report_id=report_id).exists()
