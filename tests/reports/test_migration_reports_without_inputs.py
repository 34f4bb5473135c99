"""The migration that lets a report have no model, version or inputs keeps every existing
report as it was and says where its inputs came from."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("reports", "0004_backfill_fingerprints")
AFTER = ("reports", "0005_reports_without_inputs")


def _migrate(reports_at):
    """Every app at its newest migration but reports, at `reports_at`."""
    executor = MigrationExecutor(connection)
    targets = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "reports"] + [reports_at]
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def test_existing_reports_keep_their_model_and_say_whether_the_log_gave_their_inputs():
    old = _migrate(BEFORE)
    Model, Version = old.get_model("registry", "Model"), old.get_model("registry", "ModelVersion")
    Incident, Report = old.get_model("incidents", "Incident"), old.get_model("reports", "Report")
    model = Model.objects.create(name="iris")
    version = Version.objects.create(model=model, version="1.0", artifact_uri="x")
    incident = Incident.objects.create(model=model, title="odd")
    by_id = Report.objects.create(model=model, model_version=version, incident=incident, title="a",
                                  prediction_id="p-1", features={"x": 1})
    typed = Report.objects.create(model=model, model_version=version, incident=incident, title="b",
                                  features={"x": 2})

    new = _migrate(AFTER)
    Report = new.get_model("reports", "Report")

    assert Report.objects.get(pk=by_id.pk).inputs == "logged"
    assert Report.objects.get(pk=typed.pk).inputs == "given"
    assert set(Report.objects.values_list("model_id", "model_version_id", "incident_id")) == {
        (model.pk, version.pk, incident.pk)}
    unsorted = Report.objects.create(title="only a title", inputs="missing")
    assert unsorted.model_id is None and unsorted.incident_id is None
