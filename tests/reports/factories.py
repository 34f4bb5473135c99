from __future__ import annotations

from apps.reports.models import Channel, Report
from apps.reports.services import report_create
from tests.registry.factories import iris_label, iris_row


def file_report(*, reporter, version, index: int = 0, output=None, title: str = "Odd prediction",
                **overrides) -> Report:
    """A report filed through the real service, with a real input row from the iris data."""
    return report_create(
        reporter=reporter, model_name=version.model.name, model_version=version.version,
        features=overrides.pop("features", iris_row(index)),
        output=iris_label(index) if output is None else output, title=title,
        channel=overrides.pop("channel", Channel.API), **overrides,
    )
