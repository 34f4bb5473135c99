import pytest

from apps.predictions.services import predictions_log
from tests.registry.factories import iris_row, trained_version


@pytest.fixture
def logged():
    """Model "iris" 1.0, which logged prediction "req-777" (answered "virginica" for iris row 5)."""
    version = trained_version("iris")
    predictions_log(rows=[{"prediction_id": "req-777", "model": "iris", "model_version": "1.0",
                           "features": iris_row(5), "output": "virginica"}])
    return version
