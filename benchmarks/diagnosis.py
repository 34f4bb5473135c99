"""Speed of the differential diagnosis (issue 17). Not a test: prints figures, asserts nothing.

  .venv/bin/python benchmarks/diagnosis.py [--reports 30] [--features 50] [--reference-rows 5000]

One scikit-learn model with `--features` features (one of them categorical) and three
registered versions (a logistic regression, a random forest, gradient boosting), a reference
of `--reference-rows` rows, and `--reports` reports with a planted defect (a unit change,
a placeholder, an unseen category, or nothing) — each diagnosed by the task's own service,
`diagnosis_compute`: every input check, the counterfactual repairs, the repeated runs, the
nearest training rows and the replays on every registered version, as one batched predict per
version. Prints seconds per report (the first, with the models still to load, and the rest),
the predicts per report and the number of model loads. Runs on a scratch SQLite database
(the embedded default), removed at the end."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=30)
    parser.add_argument("--features", type=int, default=50)
    parser.add_argument("--reference-rows", type=int, default=3000)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-diagnosis-"))
    os.environ.update(DATABASE_URL=f"sqlite:///{scratch / 'db.sqlite3'}", ARTIFACT_ROOT=str(scratch / "artifacts"),
                      MEDIA_ROOT=str(scratch / "media"), DJANGO_SETTINGS_MODULE="mlincidents.settings.local")
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    try:
        run(args, scratch)
    finally:
        import shutil

        shutil.rmtree(scratch, ignore_errors=True)


def run(args, scratch: Path) -> None:
    import joblib
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    import apps.diagnosis.services as diagnosis_services
    from apps.diagnosis.models import Diagnosis, DiagnosisStatus
    from apps.registry.backends.base import PredictorModel
    from apps.registry.backends.cache import loaded_models
    from apps.registry.services import model_version_register
    from apps.reports.models import Report
    from apps.reports.services import report_create

    x, y = make_classification(n_samples=args.reference_rows, n_features=args.features - 1, n_informative=12,
                               n_classes=3, random_state=0)
    frame = pd.DataFrame(np.abs(x) * 100 + 1, columns=[f"f{i:02d}" for i in range(args.features - 1)])
    frame["segment"] = pd.cut(frame["f00"], 4, labels=["a", "b", "c", "d"]).astype(str)
    labels = pd.Series([f"class_{k}" for k in y])
    numeric = [name for name in frame.columns if name != "segment"]

    def pipeline(estimator):
        encode = ColumnTransformer([("n", StandardScaler(), numeric),
                                    ("c", OneHotEncoder(handle_unknown="ignore"), ["segment"])])
        return make_pipeline(encode, estimator).fit(frame, labels)

    started = time.perf_counter()
    estimators = {"1.0": pipeline(LogisticRegression(max_iter=500)),
                  "1.1": pipeline(RandomForestClassifier(n_estimators=50, random_state=0, n_jobs=1)),
                  # Not HistGradientBoosting: its OpenMP threads make a one-row predict take tens of
                  # milliseconds on a busy 2-core machine (see the note of issue 17).
                  "1.2": pipeline(GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0))}
    (scratch / "artifacts").mkdir(parents=True, exist_ok=True)
    for name, estimator in estimators.items():
        path = scratch / "artifacts" / f"bench-{name}.joblib"
        joblib.dump(estimator, path)
        model_version_register(model_name="bench", version=name, artifact_uri=str(path), reference=frame)
    print(f"setup: 3 versions × {args.features} features, reference {args.reference_rows:,} rows "
          f"({time.perf_counter() - started:.1f} s, not timed below)")

    rng = np.random.default_rng(0)
    reports = []
    for index in range(args.reports):
        row = {k: (float(v) if k != "segment" else v) for k, v in frame.iloc[int(rng.integers(len(frame)))].items()}
        planted = index % 4
        if planted == 0:
            row["f05"] = row["f05"] * 1000
        elif planted == 1:
            row["f07"] = -1.0
        elif planted == 2:
            row["segment"] = " B "
        output = str(estimators["1.0"].predict(pd.DataFrame([row]))[0])
        reports.append(report_create(reporter=None, model_name="bench", model_version="1.0", features=row,
                                     output=output, title=f"Bench {index}", allow_schema_mismatch=True))

    loads = {"count": 0}
    original_load = joblib.load

    def counting_load(*a, **k):
        loads["count"] += 1
        return original_load(*a, **k)

    predicts = {"count": 0}
    original_predict = PredictorModel.predict_rows

    def counting_predict(self, frame):
        predicts["count"] += 1
        return original_predict(self, frame)

    joblib.load = counting_load
    PredictorModel.predict_rows = counting_predict
    loaded_models.clear()
    seconds = []
    tops: dict[str, int] = {}
    for report in reports:
        Diagnosis.objects.update_or_create(report=report, defaults={"status": DiagnosisStatus.PENDING})
        began = time.perf_counter()
        diagnosis = diagnosis_services.diagnosis_compute(report_id=report.pk)
        seconds.append(time.perf_counter() - began)
        kind = diagnosis.hypotheses[0]["kind"] if diagnosis.hypotheses else "none"
        tops[kind] = tops.get(kind, 0) + 1
    warm = seconds[1:] or seconds
    print(f"reports diagnosed: {len(seconds)} (top kinds: {', '.join(f'{k} {n}' for k, n in sorted(tops.items()))})")
    print(f"first report (loads the 3 versions): {seconds[0]:.3f} s")
    print(f"seconds per report after that: median {statistics.median(warm):.3f} s, "
          f"p95 {sorted(warm)[int(0.95 * (len(warm) - 1))]:.3f} s, max {max(warm):.3f} s")
    print(f"model loads: {loads['count']} for {len(seconds)} reports (the worker's model cache keeps them)")
    print(f"predict calls: {predicts['count'] / len(seconds):.1f} per report "
          "(one batched frame per registered version)")
    print(f"load average: {' / '.join(f'{v:.2f}' for v in os.getloadavg())}; reports in the database: "
          f"{Report.objects.count()}")


if __name__ == "__main__":
    main()
