import pytest

from tests.predictions.factories import logged_prediction
from tests.registry.factories import trained_version


@pytest.fixture
def logged():
    """Model "iris" 1.0, which logged prediction "req-777" (answered "virginica" for iris row 5)."""
    version = trained_version("iris")
    logged_prediction(version, "req-777", index=5, output="virginica")
    return version
