"""Replays and the regression suite's cases, built through the services as people build them."""

from __future__ import annotations

from typing import Any

from django.test import TestCase
from sklearn.dummy import DummyClassifier

from apps.incidents.services import incident_transition
from apps.registry.models import ModelVersion
from apps.replays.models import Replay
from apps.replays.services import expected_outcome_set, replay_start
from apps.reports.models import Report
from tests.registry.factories import trained_version
from tests.reports.factories import file_report


def replayed(actor, version: ModelVersion, reports: list[Report], **options) -> Replay:
    """A replay started as a person starts it and run by the (eager) workers it is sent to once
    the request commits, as it stands at the end. `options` as for `replay_start` (suite=…)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        replay = replay_start(actor=actor, model_version=version, reports=reports, **options)
    replay.refresh_from_db()
    return replay


def constant_version(label: str = "virginica", version: str = "2.0", model_name: str = "iris") -> ModelVersion:
    """A version of `model_name` that answers `label` whatever it is asked (a bad release)."""
    return trained_version(model_name, version, estimator=DummyClassifier(strategy="constant", constant=label))


def regression_case(actor, version: ModelVersion, *, index: int, predicate: str, value: Any,
                    title: str = "Odd prediction") -> Report:
    """A case of the regression suite: a report of iris row `index` on `version`, with the
    expected outcome (`predicate`, `value`) agreed, whose incident is resolved."""
    report = file_report(reporter=actor, version=version, index=index, title=title)
    expected_outcome_set(actor=actor, report=report, predicate=predicate, value=value)
    incident_transition(incident_id=report.incident_id, to="resolved", actor=None)
    return report
