"""How common a report's odd value is in *today's* log: the calendar day in the deployment's
TIME_ZONE, not the last 24 hours; "today" on the day it was counted, its date afterwards."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from apps.forensics.selectors import prevalence_message
from apps.forensics.services import report_forensics_compute
from apps.predictions.services import predictions_log
from apps.reports.services import report_create
from tests.accounts.factories import TeamFactory, member_of
from tests.diagnosis.factories import register, train
from tests.forensics.factories import wine_row, wine_version

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def _logged(version, moments: dict[str, tuple[datetime, float]]) -> None:
    predictions_log(rows=[{"prediction_id": key, "model": version.model.name, "model_version": version.version,
                           "features": wine_row(5) | {"proline": proline}, "output": "class_0",
                           "timestamp": moment.isoformat()} for key, (moment, proline) in moments.items()])


def _odd_report(version):
    return report_create(reporter=member_of(version.model.team), model_name=version.model.name,
                         model_version=version.version, features=wine_row(5) | {"proline": 1_000_000.0},
                         output="class_0", title="Same cultivar everywhere")


def test_only_predictions_of_the_calendar_day_in_the_time_zone_count(settings):
    settings.TIME_ZONE = "Europe/Paris"
    version = wine_version(team=TeamFactory())
    now = datetime(2026, 3, 4, 0, 10, tzinfo=PARIS)  # ten past midnight in Paris: 23:10 UTC the day before
    _logged(version, {
        "late-yesterday": (datetime(2026, 3, 3, 23, 59, tzinfo=PARIS), 1_000_000.0),  # in the last 24 h, not today
        "just-after-midnight": (datetime(2026, 3, 4, 0, 5, tzinfo=PARIS), 1_000_000.0),  # still 3 March in UTC
        "ordinary": (datetime(2026, 3, 4, 0, 7, tzinfo=PARIS), 1_000.0),
        "not-yet": (datetime(2026, 3, 4, 0, 30, tzinfo=PARIS), 1_000_000.0),  # after the clock: not counted
    })
    report = _odd_report(version)

    finding = report_forensics_compute(report_id=report.pk, now=now).prevalence[0]

    assert finding["feature"] == "proline" and (finding["matching"], finding["total"]) == (1, 2)
    assert finding["day"] == "2026-03-04" and finding["time_zone"] == "Europe/Paris"
    assert finding["message"].startswith("50.0% of today's 2 predictions have `proline` above the training max")


def test_no_prediction_yet_today(settings):
    settings.TIME_ZONE = "Europe/Paris"
    version = wine_version(team=TeamFactory())
    _logged(version, {"yesterday": (datetime(2026, 3, 3, 23, 59, tzinfo=PARIS), 1_000_000.0)})
    report = _odd_report(version)

    finding = report_forensics_compute(report_id=report.pk, now=datetime(2026, 3, 4, 0, 1, tzinfo=PARIS)).prevalence[0]

    assert finding["total"] == 0
    assert finding["message"] == "No predictions of this version have been logged today yet."


def test_a_cached_finding_says_today_on_its_day_and_its_date_afterwards():
    finding = {"feature": "session_seconds", "condition": "above the training max (3,600)", "matching": 23,
               "total": 1_000, "share": 0.023, "day": "2026-03-04"}

    assert prevalence_message(finding=finding, today=date(2026, 3, 4)) == \
        "2.3% of today's 1,000 predictions have `session_seconds` above the training max (3,600)."
    assert prevalence_message(finding=finding, today=date(2026, 3, 5)) == \
        "2.3% of the 1,000 predictions logged on 2026-03-04 have `session_seconds` above the training max (3,600)."
    assert prevalence_message(finding={"message": "stored before findings had a day"}, today=date(2026, 3, 5)) == \
        "stored before findings had a day"


def test_report_page_shows_todays_share(client):
    version = wine_version(team=TeamFactory())
    now = datetime.now(tz=PARIS)
    _logged(version, {"odd": (now, 1_000_000.0), "ordinary": (now, 1_000.0)})
    report = _odd_report(version)
    report_forensics_compute(report_id=report.pk, now=now)
    client.force_login(member_of(version.model.team))

    page = client.get(f"/reports/{report.pk}/").content.decode()

    assert "50.0% of today&#x27;s 2 predictions have <code>proline</code> above the training max" in page


def test_values_are_counted_the_same_way_on_either_database(settings, tmp_path):
    """One read of the day's log serves every odd feature: numbers against the training range,
    missing values (absent or null, but not a stray string), and exact values as logged (an
    unseen category, and a JSON true, which is not the text "True")."""
    settings.TIME_ZONE = "UTC"
    # The diagnosis tests' wine model: the wine features and one category, colour_band.
    dataset = train("wine", tmp_path)
    version = register(dataset, team=TeamFactory())
    now = datetime(2026, 3, 4, 12, 0, tzinfo=ZoneInfo("UTC"))
    base = dataset.row(5)
    rows = [base | {"proline": 1_000_000.0, "hue": None, "colour_band": "blue"},
            base | {"proline": 900.0, "hue": "n/a", "colour_band": True},
            {k: v for k, v in base.items() if k != "hue"} | {"colour_band": "blue"},
            base | {"colour_band": 2.36}]
    predictions_log(rows=[{"prediction_id": f"p{i}", "model": version.model.name, "model_version": version.version,
                           "features": features, "output": "class_0", "timestamp": now.isoformat()}
                          for i, features in enumerate(rows)])
    odd = base | {"proline": 1_000_000.0, "hue": None}
    blue, true = (report_create(reporter=member_of(version.model.team), model_name=version.model.name,
                                model_version=version.version, features=odd | {"colour_band": band},
                                output="class_0", title="Same cultivar everywhere", allow_schema_mismatch=True)
                  for band in ("blue", True))

    findings = {finding["feature"]: finding
                for finding in report_forensics_compute(report_id=blue.pk, now=now).prevalence}
    as_true = {finding["feature"]: finding
               for finding in report_forensics_compute(report_id=true.pk, now=now).prevalence}

    assert {name: (finding["matching"], finding["total"]) for name, finding in findings.items()} == {
        "proline": (1, 4), "hue": (2, 4), "colour_band": (2, 4)}
    assert findings["colour_band"]["condition"] == "= `blue`"
    assert (as_true["colour_band"]["matching"], as_true["colour_band"]["condition"]) == (1, "= `true`")
