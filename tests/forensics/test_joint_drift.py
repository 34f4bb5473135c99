"""The drift report's joint view: a pipeline that starts joining the wrong rows shows up as
more rows whose value does not fit the other features, while every value stays typical and
the per-feature drift sees nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from apps.forensics.joint_drift import joint_drift
from apps.forensics.services import drift_report_run
from apps.predictions.services import predictions_log
from apps.registry.joint import compute_joint_stats
from tests.accounts.factories import TeamFactory, member_of, token_client
from tests.forensics.factories import NOW, wine_frame, wine_version


def _window(frame: pd.DataFrame, *, joined_wrong: float, seed: int) -> pd.DataFrame:
    """Rows as they are logged; in `joined_wrong` of them flavanoids come from another row."""
    rng = np.random.default_rng(seed)
    window = frame.sample(n=300, replace=True, random_state=seed).reset_index(drop=True)
    wrong = rng.random(len(window)) < joined_wrong
    window.loc[wrong, "flavanoids"] = rng.permutation(window["flavanoids"].to_numpy())[wrong]
    return window


@pytest.fixture(scope="module")
def wine() -> tuple[pd.DataFrame, dict]:
    frame, _ = wine_frame()
    return frame, compute_joint_stats(frame)


def test_a_window_of_wrongly_joined_rows_raises_the_joint_view_and_a_clean_one_does_not(wine):
    frame, joint = wine

    joined = joint_drift(reference=frame, window=_window(frame, joined_wrong=0.4, seed=1), joint=joint)
    clean = joint_drift(reference=frame, window=_window(frame, joined_wrong=0.0, seed=2), joint=joint)

    assert joined["flavanoids"]["raised"] and joined["flavanoids"]["window_share"] > 0.05
    assert joined["flavanoids"]["reference_share"] < 0.01
    assert not any(view["raised"] for view in clean.values())
    assert set(clean) == {name for name, entry in joint["numeric"].items() if entry["judged"]}


def test_without_joint_statistics_there_is_no_joint_view(wine):
    frame, _ = wine
    assert joint_drift(reference=frame, window=frame, joint=None) == {}


@pytest.mark.django_db
def test_the_drift_report_stores_and_shows_the_joint_view(client):
    team = TeamFactory()
    wine_version(team=team)
    member = member_of(team)
    frame, _ = wine_frame()
    window = _window(frame, joined_wrong=0.4, seed=3)
    predictions_log(rows=[{"prediction_id": f"j-{i}", "model": "wine", "model_version": "1.0", "features": row,
                           "output": "class_0", "timestamp": (NOW + pd.Timedelta(minutes=i)).isoformat()}
                          for i, row in enumerate(window.to_dict(orient="records"))])

    queued = token_client(member).post("/api/v1/drift/", {"model": "wine", "model_version": "1.0",
                                                          "from": NOW.isoformat(), "to": "2026-03-05T09:30:00Z"},
                                       format="json")
    drift = drift_report_run(drift_report_id=queued.json()["id"])
    client.force_login(member)
    page = client.get(f"/forensics/drift/{drift.pk}/").content.decode()

    assert "flavanoids" not in drift.drifted_features  # each value is typical: per feature, nothing moved
    assert drift.features["flavanoids"]["joint"]["raised"]
    assert 'id="joint-view"' in page and "Rows that do not fit the other features" in page
    assert "more rows do not fit" in page


def test_a_feature_missing_from_the_window_leaves_out_what_it_predicts(wine):
    """A redacted feature is not logged: the features it helps predict are not judged, rather
    than judged against a prediction that assumes a typical value."""
    frame, joint = wine
    window = _window(frame, joined_wrong=0.0, seed=4).drop(columns=["proline"])

    view = joint_drift(reference=frame, window=window, joint=joint)

    assert view == {}
