import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.reports.selectors import report_get, report_list
from tests.registry.factories import trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


def test_lists_leave_the_versions_reference_data_unread_and_a_single_report_reads_it(user):
    version = trained_version()
    report = file_report(reporter=user, version=version)

    listed = report_list(user=user).get()
    assert {"reference_sample", "reference_stats"} <= listed.model_version.get_deferred_fields()

    with CaptureQueriesContext(connection) as queries:
        single = report_get(user=user, report_id=report.pk)
        assert single.model_version.reference_stats == version.reference_stats
    assert len(queries) == 1
