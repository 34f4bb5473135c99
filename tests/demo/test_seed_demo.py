import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from apps.actions.models import ActionItem
from apps.demo.services import seed_demo
from apps.forensics.repairs import repairs_for
from apps.incidents.models import Incident
from apps.postmortems.models import Postmortem, WhyNode
from apps.postmortems.selectors import postmortem_agenda, root_cause_chain, why_nodes
from apps.postmortems.services import postmortem_measure_impact, postmortem_start
from apps.predictions.models import Prediction
from apps.registry.models import Model, ModelVersion
from apps.registry.reference_checks import input_checks
from apps.reports.models import Report

pytestmark = pytest.mark.django_db


WINE, HOME = "wine-cultivar", "homepage-recommender"


def test_seed_demo_loads_a_model_with_two_versions_predictions_and_reports(capsys):
    call_command("seed_demo")

    assert "demo / mlincidents-demo" in capsys.readouterr().out
    # django-axes' backend needs the request, as the sign-in page passes it.
    assert authenticate(RequestFactory().post("/accounts/login/"), username="demo", password="mlincidents-demo")
    assert set(ModelVersion.objects.filter(model__name=WINE).values_list("version", flat=True)) == {"1.0", "1.1"}
    # The last three days (the history's older incidents are pinned in tests/demo/test_history.py).
    assert Prediction.objects.filter(model__name=WINE).exclude(prediction_id__startswith="history-").count() == 300
    assert Report.objects.filter(model__name=WINE).exclude(prediction_id__startswith="history-").count() == 5


def test_seed_demo_twice_duplicates_nothing():
    call_command("seed_demo")
    counts = (ModelVersion.objects.count(), Prediction.objects.count(), Report.objects.count(),
              Postmortem.objects.count(), WhyNode.objects.count(), ActionItem.objects.count())
    call_command("seed_demo")
    assert counts == (3, 357, 23, 13, 21, 18)  # with four months of history (apps/demo/history.py)
    assert (ModelVersion.objects.count(), Prediction.objects.count(), Report.objects.count(),
            Postmortem.objects.count(), WhyNode.objects.count(), ActionItem.objects.count()) == counts


def test_the_demo_post_mortem_is_the_last_seen_box_traced_to_a_shared_family_account():
    call_command("seed_demo")
    postmortem = Postmortem.objects.get(incident__model__name=HOME, status="in_review")
    nodes = why_nodes(postmortem=postmortem)
    chain = [node.answer for node in root_cause_chain(nodes)]

    assert postmortem.status == "in_review" and postmortem.author.username == "sam"
    assert postmortem.incident.model.name == HOME and postmortem.root_cause_category == "modelling_assumption"
    assert any("recommender ranked" in node.answer and node.status == "refuted" for node in nodes)
    assert "viewed the bag" in chain[0] and "shared by a family" in chain[1] and len(chain) == 4
    # The meeting has something to decide: one hypothesis and one action point wait for the reviewer.
    assert [node.status for node in nodes].count("proposed") == 1
    assert sorted(postmortem.incident.action_items.values_list("review_state", flat=True)) == ["accepted", "proposed"]
    assert list(postmortem_agenda(user=postmortem.author)) == [postmortem]
    assert postmortem.incident.reports.get().attachments.count() == 1


def test_the_demo_unit_change_report_points_at_its_culprit():
    call_command("seed_demo")
    report = Report.objects.get(title__startswith="Every wine")
    first = input_checks(model_version=report.model_version, features=report.features)[0]
    assert first["feature"] == "proline"
    assert "scale_shift" in first["flags"]
    assert report.output != report.expected.split(",")[0]  # the unit change really changed the answer


def test_the_demo_value_from_another_row_points_at_its_culprit():
    """Every value of the joined report is inside its training range; the borrowed one does
    not fit the rest, ranks first, and its suggested repair gives the lab sheet's answer."""
    call_command("seed_demo")
    report = Report.objects.get(title__startswith="A bold red")
    version = report.model_version
    checks = input_checks(model_version=version, features=report.features)
    stats = version.reference_stats["features"]

    assert all(stats[name]["min"] <= value <= stats[name]["max"] for name, value in report.features.items())
    assert checks[0]["feature"] == "flavanoids" and checks[0]["flags"] == ["inconsistent_with_others"]
    assert sum(bool(check["flags"]) for check in checks) == 1
    repair = repairs_for(version=version, features=report.features, checks=checks, output=report.output)[0]
    assert repair["changes"] and repair["output"] == "class_2" and report.output != "class_2"


def test_the_demo_shows_each_role():
    from django.contrib.auth import get_user_model

    from apps.reports.selectors import report_list

    call_command("seed_demo")
    people = {user.username: user for user in get_user_model().objects.all()}

    assert Report.objects.get(prediction_id="wine-00042").reporter == people["casey"]
    assert report_list(user=people["casey"]).count() == 2  # hers: the wine one and the homepage one
    assert report_list(user=people["sam"]).count() == 23  # sam is in both teams (6, and 17 in the history)
    assert ModelVersion.objects.filter(model__name=WINE).first().model.team.slug == "cellar"
    assert ModelVersion.objects.get(model__name=HOME).model.team.slug == "storefront"


def test_every_logged_prediction_is_in_the_past_and_today_has_some():
    call_command("seed_demo")
    now = timezone.now()
    logged = Prediction.objects.all()

    assert not logged.filter(timestamp__gt=now).exists()
    # One prediction every 14 minutes up to now: today has as many as its minutes allow (at least
    # one, even seconds after midnight), and ten by mid-morning.
    local = timezone.localtime(now)
    minutes_today = local.hour * 60 + local.minute
    assert logged.filter(timestamp__date=local.date()).count() >= max(1, min(10, minutes_today // 14))


def test_a_seed_just_after_midnight_still_logs_some_predictions_today():
    just_after_midnight = timezone.make_aware(datetime(2026, 3, 2, 0, 0, 20))
    seed_demo(now=just_after_midnight)
    wine = Prediction.objects.filter(model__name=WINE)

    assert not wine.filter(timestamp__gt=just_after_midnight).exists()
    assert wine.filter(timestamp__date=date(2026, 3, 2)).exists()
    assert wine.filter(timestamp__date=date(2026, 2, 28)).exists()  # and the days before


def test_measuring_the_proline_incident_from_the_inference_log_finds_affected_predictions():
    call_command("seed_demo")
    demo = get_user_model().objects.get(username="demo")
    incident = Report.objects.get(title__startswith="Every wine").incident
    postmortem_start(incident_id=incident.pk, actor=demo)

    postmortem = postmortem_measure_impact(incident_id=incident.pk, actor=demo)

    assert postmortem.affected_predictions > 0
    assert "features.proline >" in postmortem.impact_query
    # The log tells the story of the report: after the unit change, one cultivar for nearly every bottle.
    affected = [prediction for prediction in Prediction.objects.filter(model__name=WINE, model_version__version="1.0")
                if prediction.features["proline"] > 100_000]
    assert len(affected) == postmortem.affected_predictions
    assert Counter(prediction.output for prediction in affected).most_common(1)[0][1] >= 0.8 * len(affected)


def test_the_readme_states_the_figures_the_demo_loads():
    from apps.reports.selectors import report_list

    call_command("seed_demo")
    readme = " ".join((Path(settings.BASE_DIR) / "README.md").read_text().split())
    in_all = re.search(r"`seed_demo` loads (\d+) models, (\d+) versions, ([\d,]+) logged predictions \(the "
                       r"recommender's (\d+) requests included\), (\d+) WTF reports in (\d+) incidents, (\d+) "
                       r"post-mortems? with (\d+) whys and (\d+) action points", readme)
    wine = re.search(r"with two versions .*?, ([\d,]+) logged predictions .*? and (\d+) WTF reports", readme)
    casey = re.search(r"who sees only the (\d+) reports she filed", readme)
    assert in_all and wine and casey, "the README's demo figures moved: update this test with them"

    stated = [int(figure.replace(",", "")) for figure in in_all.groups()]
    assert stated == [Model.objects.count(), ModelVersion.objects.count(), Prediction.objects.count(),
                      Prediction.objects.filter(model__name=HOME).count(), Report.objects.count(),
                      Incident.objects.count(), Postmortem.objects.count(), WhyNode.objects.count(),
                      ActionItem.objects.count()]
    live = Prediction.objects.filter(model__name=WINE).exclude(prediction_id__startswith="history-")
    assert [int(figure.replace(",", "")) for figure in wine.groups()] == [
        live.count(), Report.objects.filter(model__name=WINE).exclude(prediction_id__startswith="history-").count()]
    casey_user = get_user_model().objects.get(username="casey")
    assert int(casey.group(1)) == report_list(user=casey_user).count() == Report.objects.filter(
        reporter=casey_user).count()


def test_the_demo_diagnoses_name_the_unit_change_and_the_output_that_does_not_reproduce():
    from apps.diagnosis.services import diagnosis_compute, diagnosis_request

    call_command("seed_demo")
    unit = Report.objects.get(title__startswith="Every wine")
    logged = Report.objects.get(title__startswith="Chat bot and cellar page disagree")
    for report in (unit, logged):
        diagnosis_request(report=report, actor=None, on_intake=True)
    top = diagnosis_compute(report_id=unit.pk).hypotheses[0]
    assert (top["kind"], top["feature"]) == ("input_unit_change", "proline")
    assert top["counterfactual"]["output"] == "class_1" and top["counterfactual"]["matches_expected"] is True
    assert diagnosis_compute(report_id=logged.pk).hypotheses[0]["kind"] == "not_reproducible"
