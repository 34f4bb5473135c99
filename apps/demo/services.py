"""Demo data: a small wine-cultivar classifier trained on scikit-learn's bundled wine data
(no download), two registered versions, a few hundred logged predictions and a handful of
WTF reports — one of them with a feature whose unit silently changed — plus a homepage
recommender with one post-mortem in review (apps/demo/postmortem.py). Safe to run twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from sklearn.datasets import load_wine
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from apps.accounts.models import TeamRole
from apps.accounts.services import membership_set, team_create
from apps.predictions.services import predictions_log
from apps.registry.models import Model, ModelVersion
from apps.registry.services import model_team_assign, model_version_register, surface_add
from apps.reports.models import Channel, Report
from apps.reports.services import report_create

MODEL_NAME = "wine-cultivar"
DISPLAY_NAME = "Cellar picks (wine cultivar classifier)"
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "mlincidents-demo"
DEMO_TEAM = "cellar"
# Other people to sign in as, to see what each role sees (same password as the demo user).
DEMO_PEOPLE = {"sam": "member", "casey": None}  # casey is in no team: a reporter
SEED = 7


@dataclass
class DemoSummary:
    versions: int
    predictions: int
    reports: int


def wine_frame() -> tuple[pd.DataFrame, pd.Series]:
    data = load_wine(as_frame=True)
    features = data.data.rename(columns=lambda name: name.replace("/", "_"))
    labels = data.target.map(lambda index: f"class_{index}")
    return features, labels


def _train(version: str, features: pd.DataFrame, labels: pd.Series):
    if version == "1.0":
        estimator = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    else:
        estimator = RandomForestClassifier(n_estimators=60, random_state=SEED)
    return estimator.fit(features, labels)


def _person(username: str, **defaults):
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.com", **defaults})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _demo_people():
    """The demo user is an admin and a reviewer of the team that owns the demo model."""
    admin = _person(DEMO_USERNAME, is_staff=True, is_superuser=True)
    team = team_create(slug=DEMO_TEAM, name="Cellar team")
    membership_set(team=team, user=admin, role=TeamRole.REVIEWER)
    people = {}
    for username, role in DEMO_PEOPLE.items():
        people[username] = _person(username)
        if role:
            membership_set(team=team, user=people[username], role=role)
    return admin, team, people


def _ensure_version(version: str, train_x: pd.DataFrame, train_y: pd.Series, user) -> ModelVersion:
    existing = ModelVersion.objects.filter(model__name=MODEL_NAME, version=version).first()
    if existing is not None:
        return existing
    directory = Path(settings.ARTIFACT_ROOT) / "demo"
    directory.mkdir(parents=True, exist_ok=True)
    artifact = directory / f"{MODEL_NAME}-{version}.joblib"
    joblib.dump(_train(version, train_x, train_y), artifact)
    return model_version_register(
        model_name=MODEL_NAME, version=version, artifact_uri=str(artifact), reference=train_x,
        display_name=DISPLAY_NAME,
        description="Suggests a wine's cultivar from its chemical analysis, on the cellar page of the shop.",
        actor=user,
    )


# The log covers the last three days, one prediction every 14 minutes, version 1.1 taking every
# third request (a canary). PROLINE_UNIT_CHANGE before the seed, the shop's feature pipeline
# starts sending proline in µg/L instead of mg/L: those predictions are the incident's impact.
LOG_SPACING = timedelta(minutes=14)
PROLINE_UNIT_CHANGE = timedelta(hours=8)


def _log_end(now: datetime) -> datetime:
    """The newest prediction's time: just before `now`, and still today (local time) even a
    few seconds after midnight, so that "today" on the model page always has predictions."""
    since_midnight = timezone.localtime(now) - timezone.localtime(now).replace(hour=0, minute=0, second=0,
                                                                                microsecond=0)
    return now - min(timedelta(minutes=1), since_midnight / 2)


def _log_predictions(versions: dict[str, ModelVersion], features: pd.DataFrame, *, now: datetime) -> int:
    rng = np.random.default_rng(SEED)
    rows = []
    end = _log_end(now)
    slots = 300
    for version_name, count, offset in (("1.0", 200, 0), ("1.1", 100, 200)):
        version = versions[version_name]
        estimator = joblib.load(version.artifact_uri)
        sample = features.sample(n=count, replace=True, random_state=SEED + offset).reset_index(drop=True)
        noisy = sample * rng.normal(1.0, 0.02, size=sample.shape)
        noisy = noisy.round(3)
        # 1.0 answers two requests in three, the 1.1 canary every third one.
        slot = [index + index // 2 if version_name == "1.0" else 3 * index + 2 for index in range(count)]
        timestamps = [end - (slots - 1 - position) * LOG_SPACING for position in slot]
        changed = np.array([timestamp >= now - PROLINE_UNIT_CHANGE for timestamp in timestamps])
        noisy.loc[changed, "proline"] = (noisy.loc[changed, "proline"] * 1000).round(3)
        outputs = estimator.predict(noisy)
        for index in range(count):
            number = offset + index
            rows.append({
                "prediction_id": f"wine-{number:05d}",
                "model": MODEL_NAME,
                "model_version": version_name,
                "features": {k: float(v) for k, v in noisy.iloc[index].items()},
                "output": str(outputs[index]),
                "timestamp": timestamps[index].isoformat(),
                "context": {"surface": "cellar-page", "request_id": f"req-{number:05d}",
                            "customer": f"c-{int(rng.integers(1000, 9999))}"},
            })
    return predictions_log(rows=rows).created


def _file_reports(versions: dict[str, ModelVersion], test_x: pd.DataFrame, test_y: pd.Series, user,
                  reporter) -> int:
    if Report.objects.filter(model__name=MODEL_NAME).exists():
        return 0
    v1 = joblib.load(versions["1.0"].artifact_uri)

    # 1. The unit change: the shop's new pipeline logs proline in µg/L instead of mg/L. A class_1
    # wine the model gets right in mg/L, and wrong once proline is 1,000× larger: the diagnosis
    # rescales it back and the model answers class_1, which the reporter expected.
    rescaled = test_x.assign(proline=test_x["proline"] * 1000)
    right, wrong = v1.predict(test_x), v1.predict(rescaled)
    row = next(i for i in range(len(test_x)) if test_y.iloc[i] == "class_1" == right[i] != wrong[i])
    unit_changed = {k: float(v) for k, v in rescaled.iloc[row].items()}
    output = str(wrong[row])
    report_create(
        reporter=user, model_name=MODEL_NAME, model_version="1.0", features=unit_changed, output=output,
        title="Every wine on the cellar page is suddenly the same cultivar",
        expected=f"{test_y.iloc[row]}, like the label on the bottle says",
        description="Since this morning the cellar page suggests the same cultivar for nearly every bottle.",
        context={"surface": "cellar-page"}, severity="high", channel=Channel.FORM,
    )

    # 2. A report that only knows a prediction id from a screenshot.
    report_create(reporter=reporter, model_name=MODEL_NAME, prediction_id="wine-00042",
                  title="Suggested cultivar looks off for this bottle",
                  description="Customer support forwarded a screenshot with request wine-00042.",
                  channel=Channel.API)

    # 3. An honest mistake of the model on a held-out wine.
    predicted = v1.predict(test_x)
    wrong = next((i for i in range(len(test_x)) if predicted[i] != test_y.iloc[i]), 1)
    report_create(
        reporter=user, model_name=MODEL_NAME, model_version="1.0",
        features={k: float(v) for k, v in test_x.iloc[wrong].items()}, output=str(predicted[wrong]),
        title="Cultivar suggestion disagrees with the lab sheet", expected=str(test_y.iloc[wrong]),
        channel=Channel.FORM,
    )

    # 4. The logged output does not come back on replay: the logged answer came from elsewhere.
    features = {k: float(v) for k, v in test_x.iloc[3].items()}
    replayed = str(v1.predict(pd.DataFrame([features]))[0])
    other = next(label for label in ("class_0", "class_1", "class_2") if label != replayed)
    report_create(
        reporter=user, model_name=MODEL_NAME, model_version="1.0", features=features, output=other,
        title="Chat bot and cellar page disagree about this wine",
        description="The chat bot quoted a different cultivar than the page for the same bottle.",
        channel=Channel.SLACK,
    )

    # 5. A value from another row: the warehouse sync joined one bottle's flavanoid measure to
    # another bottle's lab sheet. Each value is typical on its own; together they are not, and
    # the borrowed value flips the answer.
    joined = _value_from_another_row(v1, test_x, test_y)
    if joined is not None:
        features, donor_value, output, truth = joined
        report_create(
            reporter=user, model_name=MODEL_NAME, model_version="1.0", features=features, output=output,
            title="A bold red suggested as a delicate one after the warehouse sync",
            expected=f"{truth}, as the lab sheet says",
            description="Since the warehouse sync was rewritten some bottles show another bottle's lab values; "
                        "every number on this one looks normal.",
            context={"surface": "cellar-page"}, severity="medium", channel=Channel.FORM,
        )
    return 4 + (joined is not None)


def _value_from_another_row(model, test_x: pd.DataFrame, test_y: pd.Series):
    """A class_2 wine the model gets right, given the flavanoids of the class_0 wine with the
    most (still a typical value: training has flavanoids up to 3.9): of those whose answer it
    flips, the one with the fewest flavanoids of its own, where the borrowed value is most out
    of place next to its other phenols."""
    donors = test_x[(test_y == "class_0") & (test_x["flavanoids"] <= 3.2)]
    if donors.empty:
        return None
    donor_value = float(donors["flavanoids"].max())
    candidates = []
    for index in range(len(test_x)):
        if test_y.iloc[index] != "class_2":
            continue
        row = {k: float(v) for k, v in test_x.iloc[index].items()}
        joined = row | {"flavanoids": donor_value}
        answers = model.predict(pd.DataFrame([row, joined]))
        if answers[0] == "class_2" and answers[1] != "class_2":
            candidates.append((row["flavanoids"], index, joined, str(answers[1])))
    if not candidates:
        return None
    _, _, joined, output = min(candidates)
    return joined, donor_value, output, "class_2"


# The places the report form offers ("Where did you see it?"), as the teams would list them.
DEMO_SURFACES = (
    (MODEL_NAME, "cellar-page", "Cellar page"),
    ("homepage-recommender", "homepage-men", "Men's homepage"),
)


def _demo_surfaces() -> None:
    for model_name, key, name in DEMO_SURFACES:
        model = Model.objects.filter(name=model_name).first()
        if model is not None and not model.surfaces.filter(key=key).exists():
            surface_add(model=model, key=key, name=name)


@transaction.atomic
def seed_demo(*, now: datetime | None = None) -> DemoSummary:
    """`now` is when the inference log ends (default: now); the log is always in the past."""
    now = now or timezone.now()
    user, team, people = _demo_people()
    features, labels = wine_frame()
    train_x, test_x, train_y, test_y = train_test_split(
        features, labels, test_size=0.3, random_state=SEED, stratify=labels
    )
    versions = {name: _ensure_version(name, train_x, train_y, user) for name in ("1.0", "1.1")}
    Model.objects.filter(name=MODEL_NAME).update(display_name=DISPLAY_NAME)
    model_team_assign(model=versions["1.0"].model, team=team)
    created = _log_predictions(versions, features, now=now)
    reports = _file_reports(versions, test_x.reset_index(drop=True), test_y.reset_index(drop=True), user,
                             reporter=people["casey"])
    # The second model and its post-mortem (the "last seen" box), kept in a module of its own.
    from .postmortem import seed_postmortem

    logged, filed = seed_postmortem(admin=user, people=people)
    _demo_surfaces()
    # Four months of past incidents on both models, for the insights, search and similar incidents.
    from .history import seed_history
    from .postmortem import HOME_MODEL, HOME_VERSION, _training_frame

    home = ModelVersion.objects.get(model__name=HOME_MODEL, version=HOME_VERSION)
    past_logged, past_filed = seed_history(wine=versions["1.0"], home=home, people={"demo": user, **people},
                                           features=test_x, home_features=_training_frame()[0], now=now)
    return DemoSummary(versions=len(versions) + 1, predictions=created + logged + past_logged,
                       reports=reports + filed + past_filed)
