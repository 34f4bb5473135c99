"""The admin reads reports; it does not regroup them behind report_move's back."""

import pytest

from tests.accounts.factories import admin_user
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


def test_the_admin_cannot_move_a_report_to_another_incident(client):
    version = trained_version()
    report = file_report(reporter=admin_user(username="root"), version=version)
    other = file_report(reporter=report.reporter, version=version, index=100, output="virginica").incident
    assert other.pk != report.incident_id
    client.force_login(report.reporter)

    page = client.get(f"/admin/reports/report/{report.pk}/change/")
    client.post(f"/admin/reports/report/{report.pk}/change/",
                {"title": report.title, "incident": other.pk, "severity": report.severity})

    report.refresh_from_db()
    assert page.status_code == 200 and 'name="incident"' not in page.content.decode()
    assert report.incident_id != other.pk
