import pytest

from apps.registry.backends.cache import loaded_models
from tests.diagnosis.factories import train


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """Wine and breast-cancer models, trained once per test process (about a second)."""
    directory = tmp_path_factory.mktemp("diagnosis-models")
    return {name: train(name, directory) for name in ("wine", "cancer")}


@pytest.fixture(autouse=True)
def _fresh_models():
    loaded_models.clear()
    yield
    loaded_models.clear()
