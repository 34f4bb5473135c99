"""Small scikit-learn style estimators that misbehave on purpose. They live in an importable
module so that joblib can pickle them and a real worker process can load them."""

from __future__ import annotations

import time

import numpy as np


class CoinFlipClassifier:
    """Answers a random class each time: the same input, different outputs."""

    def fit(self, features, labels):
        self.classes_ = np.unique(labels)
        return self

    def predict(self, features):
        return np.random.default_rng().choice(self.classes_, size=len(features))


class RaisingClassifier:
    """A model that raises for every input."""

    def fit(self, features, labels):
        return self

    def predict(self, features):
        raise RuntimeError("the model's feature pipeline is broken")


class NanRegressor:
    def fit(self, features, labels):
        return self

    def predict(self, features):
        return np.full(len(features), np.nan)


class SlowClassifier:
    """Wraps a real classifier and takes its time, so a test can kill a worker mid-run."""

    def __init__(self, inner, seconds: float):
        self.inner, self.seconds = inner, seconds

    def fit(self, features, labels):
        self.inner.fit(features, labels)
        return self

    def predict(self, features):
        time.sleep(self.seconds)
        return self.inner.predict(features)


class InterruptedClassifier:
    """Wraps a real classifier; the first time it predicts, it calls `meanwhile` (set by the
    test on the class, so it is not pickled): what happens elsewhere while a worker predicts."""

    meanwhile = None

    def __init__(self, inner):
        self.inner = inner

    def fit(self, features, labels):
        self.inner.fit(features, labels)
        return self

    def predict(self, features):
        happen, type(self).meanwhile = type(self).meanwhile, None
        if happen is not None:
            happen()
        return self.inner.predict(features)


class ScoreRegressor:
    """A real linear regression that gives a float score per input (fitted on the label codes)."""

    def fit(self, features, labels):
        from sklearn.linear_model import LinearRegression

        codes = np.unique(labels, return_inverse=True)[1]
        self.inner = LinearRegression().fit(features, codes)
        return self

    def predict(self, features):
        return self.inner.predict(features)


class ConstantModel:
    """Answers the same value for every input (any JSON-able value); with `fail_on`, raises
    that message for inputs whose first feature is below 5."""

    def __init__(self, value, fail_on: str = ""):
        self.value, self.fail_on = value, fail_on

    def fit(self, features, labels):
        return self

    def predict(self, features):
        if self.fail_on and (features.iloc[:, 0] < 5).any():
            raise ValueError(self.fail_on)
        answer = np.empty(len(features), dtype=object)
        answer[:] = [self.value] * len(features)
        return answer
