from __future__ import annotations

import os

import pytest

from tests.registry.mlserver import VENV, RealMLServer


@pytest.fixture(scope="session")
def mlserver(tmp_path_factory):
    """One real MLServer for the session (per xdist worker), started on first use."""
    if not (VENV / "bin" / "mlserver").exists():
        message = (f"MLServer is not installed in {VENV.name}: run scripts/mlserver-env "
                   "(scripts/run-tests does) to replay through the real server")
        if os.environ.get("CI"):
            pytest.fail(message)  # CI installs it: a skip there would hide the real-server tests
        pytest.skip(message)
    server = RealMLServer(tmp_path_factory.mktemp("mlserver")).start()
    yield server
    server.stop()
