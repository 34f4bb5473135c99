"""Test settings. The database comes from DATABASE_URL, so the same suite runs on SQLite and
on PostgreSQL; tasks run eagerly unless a test sends them to a real worker."""

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, env

DEBUG = False
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
ARTIFACT_ROOT = env.path("ARTIFACT_ROOT", default=str(BASE_DIR / "var" / "test-artifacts"))
SLACK_SIGNING_SECRET = "test-slack-signing-secret"
MATTERMOST_TOKEN = "test-mattermost-token"
OIP_BACKOFF_SECONDS = 0.01
OIP_TIMEOUT_SECONDS = 5.0
