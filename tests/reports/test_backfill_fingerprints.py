"""The migration that fingerprints reports filed before grouping existed."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps as django_apps

from apps.incidents.models import FingerprintRoute, Incident
from apps.reports.models import Report
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db

backfill = import_module("apps.reports.migrations.0004_backfill_fingerprints").backfill


def test_old_reports_get_fingerprints_and_the_next_matching_report_joins_their_incident(user):
    version = trained_version()
    reports = [file_report(reporter=user, version=version, index=i) for i in (0, 100)]
    expected = {report.pk: report.fingerprint for report in reports}
    # As before grouping: no fingerprints, no routes.
    Report.objects.update(fingerprint="")
    Incident.objects.update(fingerprint="", fingerprint_label="")
    FingerprintRoute.objects.all().delete()

    backfill(django_apps, None)

    assert {report.pk: report.fingerprint for report in Report.objects.all()} == expected
    incident = Incident.objects.get(pk=reports[0].incident_id)
    assert incident.fingerprint == expected[reports[0].pk] and incident.fingerprint_label.startswith("iris · ")
    assert FingerprintRoute.objects.count() == 2
    assert file_report(reporter=user, version=version, index=1).incident_id == reports[0].incident_id
