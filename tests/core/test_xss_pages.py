"""Every page that shows what people typed shows it as text: each classic XSS payload goes into
every user-controlled field at once, and no page carries it as live markup."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.core.files.base import ContentFile

from apps.incidents.services import incident_transition
from apps.predictions.services import predictions_log
from apps.registry.services import model_version_register
from apps.reports.services import report_attachment_add
from tests.accounts.factories import UserFactory
from tests.core.xss import XSS_PAYLOADS, unsafe_markup
from tests.registry.factories import iris_frame, iris_row, trained_version
from tests.reports.factories import file_report, image_bytes

pytestmark = pytest.mark.django_db


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


def file_payload_everywhere(payload: str) -> dict:
    """One model (display name and description), a logged prediction, two reports (a version with
    reference statistics and one without, one with attachments named by the payload) and their
    incidents, all carrying the payload in every field a person or a bot can fill, filed by a user
    whose username is the payload."""
    reporter = UserFactory(username=payload[:150])
    iris = trained_version()
    reference, _ = iris_frame()
    with_reference = model_version_register(
        model_name="shop-ranker", version="1.0", artifact_uri=iris.artifact_uri, reference=reference,
        display_name=payload[:200], description=payload,
    )
    without_reference = model_version_register(model_name="shop-ranker", version="2.0",
                                               artifact_uri=iris.artifact_uri)
    predictions_log(rows=[{"prediction_id": payload[:200], "model": "shop-ranker", "model_version": "1.0",
                           "features": iris_row(0) | {payload[:200]: payload}, "output": payload,
                           "context": {payload: payload}}])
    reports = [
        file_report(
            reporter=reporter, version=version, title=payload[:200], description=payload, expected=payload,
            output=payload, context={payload: payload, "surface": payload},
            features=iris_row(0) | {payload[:200]: payload, "petal_width": payload},
            allow_schema_mismatch=True,
        )
        for version in (with_reference, without_reference)
    ]
    for content in (image_bytes("PNG"), b"a,b\n1,2\n"):
        report_attachment_add(report=reports[0], upload=ContentFile(content, name=payload), actor=reporter)
    incident_transition(incident_id=reports[0].incident_id, to="declined", note=payload, actor=reporter)
    incident_transition(incident_id=reports[1].incident_id, to="resolved", note=payload, actor=reporter)
    return {"reporter": reporter, "reports": reports}


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_page_renders_user_text_as_markup(client, payload):
    filed = file_payload_everywhere(payload)
    client.force_login(filed["reporter"])
    pages = ["/", "/reports/", "/incidents/", "/models/", "/models/shop-ranker/", "/search/?q=alert"]
    for report in filed["reports"]:
        pages += [f"/reports/{report.pk}/", f"/incidents/{report.incident_id}/"]

    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.content.decode()
        assert unsafe_markup(html) == [], path
        assert payload[:200].strip() in visible_text(html), path  # still there for people to read, as text
