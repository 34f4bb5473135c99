"""Reading a window of the inference log: only the asked features, the window's bounds, odd
values kept as they were logged. On PostgreSQL the CSV streamed by COPY is parsed piece by
piece; a small piece size makes many pieces, which must read exactly like one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from apps.forensics import window as window_module
from apps.forensics.window import reference_frame, window_frame
from apps.predictions.models import Prediction
from tests.forensics.factories import wine_version

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 4, tzinfo=UTC)
BANDS = ["pale", 'deep, "inky"', "two\nlines", "", "NA", "n/a"]


def _log(version, *, count: int) -> None:
    rows = []
    for i in range(count):
        features = {"row": i, "alcohol": 12 + i / 7, "colour_band": BANDS[i % len(BANDS)], "unused": "x" * 30}
        if i % 10 == 3:
            features["alcohol"] = "n/a"  # a string where a number belongs
        if i % 10 == 5:
            features["alcohol"] = None
        if i % 10 == 7:
            del features["colour_band"]
        rows.append(Prediction(model=version.model, model_version=version, prediction_id=f"w-{i}",
                               timestamp=START + timedelta(seconds=i), features=features, output="class_0"))
    Prediction.objects.bulk_create(rows)


def _read(version, *, end: datetime) -> pd.DataFrame:
    frame = window_frame(model_version_id=version.pk, start=START, end=end, columns=["row", "alcohol", "colour_band"],
                         categorical={"colour_band"})
    # The log is read in whatever order the database scans it (in parallel on PostgreSQL).
    return frame.assign(row=pd.to_numeric(frame["row"])).sort_values("row").reset_index(drop=True)


def test_window_reads_only_its_rows_and_features_with_odd_values_as_logged():
    version = wine_version()
    _log(version, count=300)

    frame = _read(version, end=START + timedelta(seconds=250))

    assert list(frame.columns) == ["row", "alcohol", "colour_band"] and len(frame) == 250
    alcohol = pd.to_numeric(frame["alcohol"], errors="coerce").to_numpy(dtype=float)
    expected = np.array([np.nan if i % 10 in (3, 5) else 12 + i / 7 for i in range(250)])
    np.testing.assert_array_equal(alcohol, expected)
    bands = [None if i % 10 == 7 else BANDS[i % len(BANDS)] for i in range(250)]
    # Only a missing value is missing: an empty text and categories called "NA" or "n/a" are
    # read as they were logged, on either database.
    assert [None if pd.isna(b) else b for b in frame["colour_band"]] == bands


def test_many_pieces_read_like_one(monkeypatch):
    version = wine_version()
    _log(version, count=300)
    whole = _read(version, end=START + timedelta(days=1))

    monkeypatch.setattr(window_module, "PARSE_BYTES", 100)  # a piece every few rows
    pieces = _read(version, end=START + timedelta(days=1))

    pd.testing.assert_frame_equal(whole, pieces)


def test_empty_window_and_no_columns():
    version = wine_version()
    _log(version, count=20)

    empty = window_frame(model_version_id=version.pk, start=START - timedelta(days=2), end=START,
                         columns=["alcohol"])
    counted = window_frame(model_version_id=version.pk, start=START, end=START + timedelta(days=1), columns=[])

    assert len(empty) == 0 and list(empty.columns) == ["alcohol"]
    assert len(counted) == 20


def test_reference_frame_is_the_stored_sample():
    version = wine_version()

    frame = reference_frame(model_version_id=version.pk)

    # PostgreSQL keeps a JSON object's keys in an order of its own: features go by name.
    pd.testing.assert_frame_equal(frame, pd.DataFrame.from_records(version.reference_sample), check_like=True)
    assert reference_frame(model_version_id=version.pk + 1).empty
