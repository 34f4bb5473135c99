"""Fixtures of the diagnosis tests, shared with the other apps' tests that need the trained
models (import them by name into the test module: `from tests.diagnosis.fixtures import
fresh_models, trained`)."""

import pytest

from apps.registry.backends.cache import loaded_models
from tests.diagnosis.factories import train


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """Wine and breast-cancer models, trained once per test process (about a second)."""
    directory = tmp_path_factory.mktemp("diagnosis-models")
    return {name: train(name, directory) for name in ("wine", "cancer")}


@pytest.fixture(autouse=True)
def fresh_models():
    """No model stays loaded in this process from one test to the next."""
    loaded_models.clear()
    yield
    loaded_models.clear()
