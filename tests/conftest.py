import pytest
from rest_framework.test import APIClient

from apps.accounts.services import api_token_create
from tests import database_cleanup
from tests.accounts.factories import UserFactory

database_cleanup.install()


@pytest.fixture(autouse=True)
def _artifact_root(settings, tmp_path_factory):
    settings.ARTIFACT_ROOT = tmp_path_factory.mktemp("artifacts")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counts must not leak from one test into the next (the test settings use
    an in-process cache; tests that need Redis switch to a prefix of their own)."""
    from django.core.cache import cache

    from apps.core.throttling import rate_limit_counts

    cache.clear()
    rate_limit_counts.reset()  # the per-process counts kept while Redis was down, and that outage


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded files go to a fresh folder per test, never into the project's var/media."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def api_client(user):
    client = APIClient()
    issued = api_token_create(username=user.username, name="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    client.user = user
    return client


@pytest.fixture
def anonymous_client():
    return APIClient()


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Runs what services schedule with transaction.on_commit (tests run inside a transaction
    that never commits): `with run_on_commit(): service(...)`."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def workers(settings, tmp_path):
    """Starts real Celery worker processes on demand (tests/celery_workers.py), stopped at the end."""
    from tests.celery_workers import Workers

    started = Workers(settings, tmp_path)
    try:
        yield started
    finally:
        started.stop_all()
