import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.reports.models import Report
from tests.registry.factories import iris_row, trained_version
from tests.reports.factories import file_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def version():
    return trained_version()


def _form(version, **overrides):
    return {"model": version.model.name, "features": json.dumps(iris_row(0)), "output": "setosa",
            "title": "Odd", "expected": "virginica", "description": ""} | overrides


def test_pages_need_a_signed_in_user(client):
    for path in ("/", "/reports/", "/reports/new/", "/incidents/", "/models/"):
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], path


def test_the_form_files_a_report_and_lands_on_its_page(signed_in, version):
    response = signed_in.post("/reports/new/", _form(version), follow=True)

    report = Report.objects.get()
    assert response.redirect_chain[-1][0] == f"/reports/{report.pk}/"
    assert report.channel == "form" and report.output == "setosa" and report.expected == "virginica"
    assert f"WTF-{report.pk} is filed" in response.content.decode()


@pytest.mark.parametrize("overrides, message", [
    ({"features": "{not json"}, "not valid JSON"),
    ({"features": "[1, 2]"}, "JSON object"),
    ({"prediction_id": "nope", "features": ""}, "We could not find this prediction id"),
    ({"model": "999"}, "Select a valid choice"),
    ({"title": ""}, "Say in a few words what looked wrong."),
    ({"title": "   "}, "Say in a few words what looked wrong."),
    ({"features": '{"sepal_length": NaN}'}, "not valid JSON"),
    ({"features": '{"sepal_length": "a\\u0000"}'}, "NUL"),
])
def test_the_form_explains_what_to_fix_and_files_nothing(signed_in, version, overrides, message):
    response = signed_in.post("/reports/new/", _form(version, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Report.objects.count() == 0


def test_a_schema_mismatch_can_be_confirmed_on_the_form(signed_in, version):
    odd = json.dumps(iris_row(0) | {"colour": "blue"})
    refused = signed_in.post("/reports/new/", _form(version, features=odd))
    assert refused.status_code == 400 and "File it anyway" in refused.content.decode()

    signed_in.post("/reports/new/", _form(version, features=odd, allow_schema_mismatch="on"))
    assert Report.objects.get().schema_problems


def test_the_replay_button_shows_the_verdict_on_the_report_page(signed_in, user, version, run_on_commit):
    report = file_report(reporter=user, version=version, output="versicolor")

    with run_on_commit():
        signed_in.post(f"/reports/{report.pk}/replay/")

    page = signed_in.get(f"/reports/{report.pk}/").content.decode()
    assert "differs from the logged output" in page
    assert '<code class="replayed-output">setosa</code>' in page


def test_list_and_overview_pages_show_the_reports(signed_in, user, version, django_assert_max_num_queries):
    for index in range(3):
        file_report(reporter=user, version=version, index=index, title=f"Case {index}")
    with django_assert_max_num_queries(12):
        listing = signed_in.get("/reports/").content.decode()
    assert all(f"Case {i}" in listing for i in range(3))
    assert "iris:1.0" not in listing and "iris 1.0" in listing  # the model as people name it, then its version
    assert "Case 2" in signed_in.get("/").content.decode()
    assert "Case 1" in signed_in.get("/models/iris/").content.decode()
    assert signed_in.get(f"/incidents/{Report.objects.first().incident_id}/").status_code == 200
    assert signed_in.get("/reports/424242/").status_code == 404


@pytest.mark.parametrize("output", ["NaN", "1e400", '"a\\u0000b"'])
def test_outputs_the_database_cannot_store_are_kept_as_the_text_typed(signed_in, version, output):
    response = signed_in.post("/reports/new/", _form(version, output=output))
    assert response.status_code == 302
    assert Report.objects.get().output == output


def test_the_report_list_reads_the_same_few_queries_however_many_reports(signed_in, user, version):
    # Each row names its model version, whose name includes the model's: once a query per row
    # (the page took 250 ms for 200 reports under gunicorn, found by benchmarks/load_intake.py).
    file_report(reporter=user, version=version)
    with CaptureQueriesContext(connection) as one:
        assert signed_in.get("/reports/").status_code == 200
    for index in range(1, 6):
        file_report(reporter=user, version=version, index=index)
    with CaptureQueriesContext(connection) as six:
        assert signed_in.get("/reports/").status_code == 200
    assert len(six) == len(one)


def test_the_report_list_goes_page_by_page_so_no_report_is_out_of_reach(signed_in, user, version, monkeypatch):
    monkeypatch.setattr("apps.reports.views.LIST_PAGE_SIZE", 2)
    filed = [file_report(reporter=user, version=version, index=i, title=f"Case {i}") for i in range(5)]

    first = signed_in.get("/reports/").content.decode()
    last = signed_in.get("/reports/?page=3").content.decode()

    assert f"WTF-{filed[4].pk} Case 4" in first and f"WTF-{filed[2].pk} Case 2" not in first
    assert "page 1 of 3" in first and 'href="?page=2" rel="next"' in first
    assert f"WTF-{filed[0].pk} Case 0" in last and 'href="?page=2" rel="prev"' in last and 'rel="next"' not in last
    # A page number that is not one answers the nearest page, not an error.
    assert "page 1 of 3" in signed_in.get("/reports/?page=abc").content.decode()
    assert "page 3 of 3" in signed_in.get("/reports/?page=999").content.decode()


def test_the_report_page_shows_values_as_people_read_them_not_python_internals(signed_in, user, version):
    features = iris_row(0) | {"petal_length": 2.1799999999999997}
    report = file_report(reporter=user, version=version, features=features, output={"p": 0.5, "label": "setosa"},
                         context={"surface": "cellar-page"})

    page = signed_in.get(f"/reports/{report.pk}/").content.decode()

    assert "<dt>surface</dt><dd>cellar-page</dd>" in page and "{&#x27;surface&#x27;" not in page
    assert ">2.18<" in page and "2.1799999999999997" not in page
    # (keys in PostgreSQL's jsonb order: shorter first)
    assert "{&quot;p&quot;: 0.5, &quot;label&quot;: &quot;setosa&quot;}" in page and "&#x27;label&#x27;" not in page
    assert "iris:1.0" not in page  # the version as people name it: "version 1.0 of iris"


def test_the_report_page_leads_with_the_odd_input_drawn_on_its_training_range(signed_in, user, version):
    row = iris_row(0)
    report = file_report(reporter=user, version=version, features=row | {"petal_length": row["petal_length"] * 1000})

    page = signed_in.get(f"/reports/{report.pk}/").content.decode()
    finding = page.split('id="finding"')[1].split("</section>")[0]

    assert "<code>petal_length</code> = 1,400" in finding and "another unit" in finding
    # The strip names the value and the range in words for screen readers, and points off the edge.
    assert 'role="img" aria-label="petal_length = 1,400, above every training value; training range 1 – 6.9' in finding
    assert "strip-value beyond above" in finding
    assert "No replay yet: run one below." in finding


def test_replay_on_another_version_says_whether_it_changes_the_answer(signed_in, user, version, run_on_commit):
    other = trained_version(version="2.0")
    report = file_report(reporter=user, version=version, output="versicolor")

    with run_on_commit():
        signed_in.post(f"/reports/{report.pk}/replay/", {"model_version": other.pk})

    page = signed_in.get(f"/reports/{report.pk}/").content.decode()
    finding = page.split('id="finding"')[1].split("</section>")[0]
    assert "Changes the answer" in finding and "<code>2.0</code>, to <code>setosa</code>" in finding


def test_replay_on_a_version_of_another_model_is_refused_with_a_message(signed_in, user, version):
    stranger = trained_version(model_name="other-model")
    report = file_report(reporter=user, version=version)

    page = signed_in.post(f"/reports/{report.pk}/replay/", {"model_version": stranger.pk}, follow=True)

    assert "Choose one of the versions of iris to replay on." in page.content.decode()
    assert not report.replays.exists()


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_page_says_the_replay_finished_not_that_it_started(client, user):
    # Tasks run in-process (the embedded default): by the time the page answers, the verdict is in.
    version = trained_version()
    report = file_report(reporter=user, version=version)
    client.force_login(user)

    page = client.post(f"/reports/{report.pk}/replay/", follow=True).content.decode()

    assert "Replay on version 1.0 finished: its verdict is below." in page and "Reproduces" in page


def test_the_report_list_searches_and_filters_in_the_url(signed_in, user, version):
    slack = file_report(reporter=user, version=version, title="Invoice flagged", channel="slack")
    form = file_report(reporter=user, version=version, index=1, title="Slow page", channel="form")

    by_text = signed_in.get("/reports/", {"q": "invoice"}).content.decode()
    by_number = signed_in.get("/reports/", {"q": f"wtf-{form.pk}"}).content.decode()
    by_channel = signed_in.get("/reports/", {"channel": "slack"}).content.decode()

    assert f"WTF-{slack.pk} Invoice flagged" in by_text and "Slow page" not in by_text and "1 report match." in by_text
    assert f"WTF-{form.pk} Slow page" in by_number and "Invoice flagged" not in by_number
    assert "Invoice flagged" in by_channel and "Slow page" not in by_channel
    bad = signed_in.get("/reports/", {"channel": "pigeon"})
    assert bad.status_code == 200 and "Channel: Select a valid choice." in bad.content.decode()
