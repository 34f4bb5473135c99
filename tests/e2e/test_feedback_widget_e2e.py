"""In a real browser: a product page on another site embeds the feedback widget with the two
documented lines and files a thumbs-down with a comment; the same page served from a site
that is not on the key's list is refused (the browser hides the answer: CORS)."""

from __future__ import annotations

import re
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from apps.feedback.models import Feedback
from apps.predictions.services import predictions_log
from apps.reports.models import Report
from tests.feedback.factories import widget_key
from tests.registry.factories import iris_row, trained_version

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def product_sites(tmp_path):
    """Two static sites on their own loopback ports: two origins other than the tracker's."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path))) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, [f"http://127.0.0.1:{server.server_address[1]}" for server in servers]
    for server in servers:
        server.shutdown()
        server.server_close()


def test_a_product_page_on_a_listed_site_files_a_thumbs_down_and_another_site_is_refused(
        page, live_server, product_sites):
    trained_version("iris", "1.0")
    predictions_log(rows=[{"prediction_id": "shop-7", "model": "iris", "model_version": "1.0",
                           "features": iris_row(7), "output": "setosa"}])
    directory, (listed, unlisted) = product_sites
    key = widget_key(origins=[listed])
    (directory / "product.html").write_text(f"""<!doctype html><html lang="en"><head><title>Shop</title></head>
<body><main><h1>Your flower</h1><p>We think it is a setosa.</p>
<div data-mli-feedback data-prediction-id="shop-7"></div>
<script src="{live_server.url}/static/widget/feedback.js" data-key="{key.secret}" data-model="iris" defer></script>
</main></body></html>""")

    page.goto(f"{listed}/product.html")
    page.get_by_role("button", name="Thumbs down").click()
    page.get_by_label("What was wrong? (optional)").fill("It is a virginica, the petals are huge")
    page.get_by_role("button", name="Send feedback").click()

    expect(page.get_by_role("status")).to_have_text(re.compile(r"the team got your report WTF-\d+"))
    report = Report.objects.get()
    assert report.title == "It is a virginica, the petals are huge" and report.features == iris_row(7)
    expect(page.get_by_role("button", name="Thumbs down")).to_have_attribute("aria-pressed", "true")

    page.goto(f"{unlisted}/product.html")
    page.get_by_role("button", name="Thumbs up").click()
    expect(page.get_by_role("status")).to_have_text("Feedback could not be sent from this page.")
    assert Feedback.objects.count() == 1
