import pytest

from .fake_http import FakeServer, start


@pytest.fixture
def fake_server():
    state = FakeServer()
    httpd = start(state)
    yield state
    httpd.shutdown()
    httpd.server_close()
