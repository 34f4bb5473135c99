"""Test settings. The database comes from DATABASE_URL, so the same suite runs on SQLite and
on PostgreSQL; tasks run eagerly unless a test sends them to a real worker."""

from .base import *  # noqa: F401,F403
from .base import BASE_DIR, env

DEBUG = False
SECRET_KEY = "test-only-secret-key"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A real worker started by a test may turn this off, so that what it queues (a retry with its
# countdown) goes through the broker as in production.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
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
# Retries of webhook deliveries and tracker exports run at once (eager tasks ignore the
# countdown, and the claim refuses a row not yet due); a real worker's test sets its own.
TICKET_WEBHOOK_BACKOFF_SECONDS = env.float("TICKET_WEBHOOK_BACKOFF_SECONDS", default=0)
TRACKER_EXPORT_BACKOFF_SECONDS = 0
TICKET_WEBHOOK_TIMEOUT_SECONDS = 5.0
TRACKER_TIMEOUT_SECONDS = 5.0
GITHUB_TRACKER_REPO = ""
GITHUB_TRACKER_TOKEN = ""
# The tests' receivers are local HTTP servers; the tests of the refusal turn this off.
OUTBOUND_ALLOW_PRIVATE = True
