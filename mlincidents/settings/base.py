"""Settings shared by every environment. Everything that differs between machines comes
from environment variables (see .env.example); the defaults are safe for a laptop."""

import re
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-development-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "apps.core",
    "apps.accounts",
    "apps.audit",
    "apps.registry",
    "apps.predictions",
    "apps.incidents",
    "apps.reports",
    "apps.replays",
    "apps.forensics",
    "apps.chatops",
    "apps.feedback",
    "apps.notifications",
    "apps.diagnosis",
    "apps.postmortems",
    "apps.actions",
    "apps.pages",
    "apps.search",
    "apps.insights",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.core.middleware.RequestIdMiddleware",
    # Before sessions: the feedback widget's cross-origin requests (and a publishable key sent
    # anywhere else) are answered here, by the key's own list of origins.
    "apps.feedback.middleware.WidgetCorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: the 400 page of a page request shows who is signed in.
    "apps.core.middleware.RefuseNulCharactersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: a page answers an htmx request with the fragment it swaps in place.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "apps.core.middleware.DomainErrorPageMiddleware",
    # Last: turns the sign-in that django-axes refused into the lockout page (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

# Single sign-on without code changes (README, "Sign-in and SSO"): either a proxy that
# signs people in and passes their username in a header ...
AUTH_PROXY_HEADER = env("AUTH_PROXY_HEADER", default="")
AUTHENTICATION_BACKENDS = ["apps.accounts.backends.PeopleModelBackend"]
if AUTH_PROXY_HEADER:
    MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                      "apps.accounts.middleware.AuthProxyMiddleware")
    AUTHENTICATION_BACKENDS.insert(0, "apps.accounts.backends.PeopleRemoteUserBackend")
# ... or an auth library (e.g. mozilla-django-oidc) added by a settings module of your own
# that imports these settings; these two lists are the hooks for it.
INSTALLED_APPS += env.list("DJANGO_EXTRA_APPS", default=[])
AUTHENTICATION_BACKENDS = env.list("DJANGO_AUTHENTICATION_BACKENDS", default=AUTHENTICATION_BACKENDS)
# Bots never sign in with a password nor by a proxy's header: Django's own backends named in
# the environment become the ones that refuse bots (apps/accounts/backends.py).
_PEOPLE_ONLY_BACKENDS = {"django.contrib.auth.backends.ModelBackend": "apps.accounts.backends.PeopleModelBackend",
                         "django.contrib.auth.backends.RemoteUserBackend":
                             "apps.accounts.backends.PeopleRemoteUserBackend"}
AUTHENTICATION_BACKENDS = [_PEOPLE_ONLY_BACKENDS.get(name, name) for name in AUTHENTICATION_BACKENDS]
# django-axes must refuse a locked-out username before any backend checks its password, so its
# backend comes first in every list, including one given in the environment.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend",
                           *(name for name in AUTHENTICATION_BACKENDS if name != "axes.backends.AxesStandaloneBackend")]

ROOT_URLCONF = "mlincidents.urls"
WSGI_APPLICATION = "mlincidents.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Requests write at the same time (runserver's threads, gunicorn's workers). In SQLite's
    # default deferred transactions, two that read and then write deadlock and one fails at once
    # with "database is locked"; immediate ones take the write lock up front and wait for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files (report attachments). They are only ever served through the permission-checked
# download view: nothing maps MEDIA_URL to MEDIA_ROOT, and whitenoise serves static files only.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "media/"
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
ATTACHMENT_MAX_PER_REPORT = env.int("ATTACHMENT_MAX_PER_REPORT", default=10)

# Where registered model artifacts and the demo's files live. Only files registered with a
# sha256 are ever loaded from here (loading a pickle runs code).
ARTIFACT_ROOT = Path(env("ARTIFACT_ROOT", default=str(BASE_DIR / "var" / "artifacts")))

# Inference log: days a logged prediction is kept (a model's own retention_days wins); 0 keeps
# them forever. Predictions a report points at are always kept.
PREDICTION_RETENTION_DAYS = env.int("PREDICTION_RETENTION_DAYS", default=90)

# Request size limits: bodies above this are refused with 413 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# --- Redis, Celery -------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")

if REDIS_URL:
    # Short socket timeouts: the rate limits fall back to per-process counts when Redis fails
    # (apps.core.throttling), and a Redis that hangs instead of refusing must fail fast too.
    REDIS_CACHE_TIMEOUT_SECONDS = env.float("REDIS_CACHE_TIMEOUT_SECONDS", default=1.0)
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": "mlincidents",
                          "OPTIONS": {"socket_connect_timeout": REDIS_CACHE_TIMEOUT_SECONDS,
                                      "socket_timeout": REDIS_CACHE_TIMEOUT_SECONDS}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Without a broker the tasks run in-process, so the embedded default needs nothing else.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
# Celery still opens a producer connection for an eager task; a memory:// URL without a host makes
# kombu warn "No hostname was supplied" on every `make run`, so the host is spelled out.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)
# The visibility timeout must outlast the hard time limit, or Redis redelivers a task that
# is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT * 2}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="mlincidents")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "purge-idempotency-keys": {"task": "apps.core.tasks.idempotency_records_purge_task", "schedule": 60 * 60},
    "sweep-replays": {"task": "apps.replays.tasks.replays_sweep_task", "schedule": 60},
    # Reporters' e-mails held back by the one-an-hour batching, and sends that failed.
    "send-reporter-updates": {"task": "apps.notifications.tasks.reporter_updates_sweep_task", "schedule": 60},
    "sweep-report-forensics": {"task": "apps.forensics.tasks.report_forensics_sweep_task", "schedule": 300},
    "sweep-diagnoses": {"task": "apps.diagnosis.tasks.diagnoses_sweep_task", "schedule": 300},
    "daily-drift-reports": {"task": "apps.forensics.tasks.drift_reports_daily_task",
                            "schedule": crontab(hour=env.int("DRIFT_DAILY_HOUR", default=1), minute=15)},
    # Daily, at a quiet hour (CELERY_TIMEZONE): deletes logged predictions past retention.
    "purge-predictions": {"task": "apps.predictions.tasks.predictions_purge_task",
                          "schedule": crontab(hour=3, minute=17)},
    # Daily, in working hours: owners and model channels hear of overdue and soon-due tickets.
    # Firing twice (two beats, a restart) sends nothing twice: each (ticket, day) is claimed once.
    "remind-action-items": {"task": "apps.actions.tasks.action_item_reminders_task",
                            "schedule": crontab(hour=env.int("ACTION_ITEM_REMINDER_HOUR", default=8), minute=5)},
    # Ticket webhook deliveries and tracker exports that no task is going to send (broker down
    # when they were queued, a lost retry, a dead worker) are sent again.
    "sweep-ticket-outbox": {"task": "apps.actions.tasks.ticket_outbox_sweep_task", "schedule": 60},
    # Monday morning: each team's digest of last week, by e-mail and to its chat channel. Firing
    # twice sends nothing twice: each (team, week) is claimed once (apps/insights/digest.py).
    "weekly-team-digest": {"task": "apps.insights.tasks.team_digests_task",
                           "schedule": crontab(day_of_week=1, hour=env.int("DIGEST_HOUR", default=8), minute=30)},
}
# A queued replay no worker has picked up after this long is sent again (a broker outage at
# enqueue time, a lost message); one a worker left running past the hard time limit is
# restarted, at most this many times in all.
REPLAY_RESEND_AFTER_SECONDS = env.int("REPLAY_RESEND_AFTER_SECONDS", default=600)
REPLAY_MAX_ATTEMPTS = env.int("REPLAY_MAX_ATTEMPTS", default=3)
# A chunk still running this long after it started has lost its worker (the hard time limit
# would have killed it): the sweep restarts it.
REPLAY_LOST_AFTER_SECONDS = env.int("REPLAY_LOST_AFTER_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60)
# Inputs per Celery task of a replay: each chunk is claimed, predicted and written on its own,
# so a killed worker loses at most one chunk's work.
REPLAY_CHUNK_SIZE = env.int("REPLAY_CHUNK_SIZE", default=5000)
# Rows per chunk predicted a second time to catch a model that answers differently for the
# same input (0: only compare with earlier replays on the same version).
REPLAY_DETERMINISM_SAMPLE = env.int("REPLAY_DETERMINISM_SAMPLE", default=20)
# Time limits that contradict each other lose work: a soft limit past the hard one never
# fires, and a chunk taken for lost before the hard limit could still be running.
if not CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < REPLAY_LOST_AFTER_SECONDS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "Need CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < REPLAY_LOST_AFTER_SECONDS, got "
        f"{CELERY_TASK_SOFT_TIME_LIMIT}, {CELERY_TASK_TIME_LIMIT}, {REPLAY_LOST_AFTER_SECONDS}."
    )
# Loaded models kept per worker process, by count and by estimated size.
MODEL_CACHE_MAX_ENTRIES = env.int("MODEL_CACHE_MAX_ENTRIES", default=8)
MODEL_CACHE_MAX_BYTES = env.int("MODEL_CACHE_MAX_BYTES", default=512 * 1024 * 1024)
# Open Inference Protocol servers (the `oip` backend).
OIP_TIMEOUT_SECONDS = env.float("OIP_TIMEOUT_SECONDS", default=10.0)
OIP_MAX_ATTEMPTS = env.int("OIP_MAX_ATTEMPTS", default=3)
OIP_BACKOFF_SECONDS = env.float("OIP_BACKOFF_SECONDS", default=0.5)
OIP_BATCH_SIZE = env.int("OIP_BATCH_SIZE", default=1000)
OIP_MAX_RESPONSE_BYTES = env.int("OIP_MAX_RESPONSE_BYTES", default=50 * 1024 * 1024)

# --- Input forensics (README, "Input forensics") -------------------------------------------
# Similar training rows shown beside a report, and the hours of the inference log before a
# report searched for its odd values ("2.3% of predictions have … above the training max").
FORENSICS_NEIGHBOURS = env.int("FORENSICS_NEIGHBOURS", default=5)
# Drift reports: the default window of a report asked for by hand, the fewest logged
# predictions worth comparing, and whether the daily run (at DRIFT_DAILY_HOUR:15) opens an
# incident when a feature drifts.
DRIFT_WINDOW_HOURS = env.int("DRIFT_WINDOW_HOURS", default=24)
DRIFT_MIN_ROWS = env.int("DRIFT_MIN_ROWS", default=100)
DRIFT_OPEN_INCIDENTS = env.bool("DRIFT_OPEN_INCIDENTS", default=True)

# --- REST API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "apps.accounts.permissions.TokenScopePermission",
    ],
    # How many reverse proxies add themselves to X-Forwarded-For in front of the app: rate
    # limits per address trust only that many hops (0: the socket's address).
    "NUM_PROXIES": env.int("TRUSTED_PROXY_COUNT", default=0),
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "apps.core.problems.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "apps.core.schema.ProblemAutoSchema",
}

# DRF-style rates ("600/min", "20/hour"); counted in the default cache (Redis when REDIS_URL
# is set). An empty value switches that limit off.
RATE_LIMITS = {
    "intake_client": env("THROTTLE_INTAKE_USER", default="600/min") or None,
    "intake_address": env("THROTTLE_INTAKE_IP", default="1200/min") or None,
    "sign_in_address": env("THROTTLE_LOGIN_IP", default="20/min") or None,
    # The feedback widget on product pages: per publishable key, and per visitor's address.
    "widget_key": env("THROTTLE_WIDGET_KEY", default="600/min") or None,
    "widget_address": env("THROTTLE_WIDGET_IP", default="20/min") or None,
}

# Sign-in lockout per username (django-axes; README, "Access control"): a failed sign-in counts
# for LOGIN_LOCKOUT_MINUTES; while LOGIN_FAILURE_LIMIT of them count for one username, from any
# addresses, it cannot sign in with a password. Attempts are rows in the database, so admins see
# them in the admin and unlock with `manage.py axes_reset_username NAME`.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_LOCKOUT_MINUTES = env.int("LOGIN_LOCKOUT_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
if AXES_FAILURE_LIMIT < 1 or LOGIN_LOCKOUT_MINUTES < 1:
    from django.core.exceptions import ImproperlyConfigured

    # A limit of 0 would lock everyone out; 0 minutes would never lock anyone.
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCKOUT_MINUTES must be at least 1, got "
                               f"{AXES_FAILURE_LIMIT} and {LOGIN_LOCKOUT_MINUTES}.")
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# Tries made during a lockout are refused without being counted: someone retrying (or a trickle
# of guesses) does not keep the account locked past the cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Failures only: a row for every successful sign-in (address, browser) would grow forever.
AXES_DISABLE_ACCESS_LOG = True
# No banner on every manage.py command and worker start; a failure is still logged, with only
# the username (what the lockout counts), not the address and browser too.
AXES_VERBOSE = False
# The address recorded with an attempt is the one the rate limits use (TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "apps.core.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "apps.accounts.views.sign_in_locked_out"
# axes.W006 asks for the address among the lockout parameters. Per address, sign-in is already
# limited by RATE_LIMITS["sign_in_address"]; an address lockout would also lock out a whole
# office behind one NAT.
# models.W040: SQLite builds the covering indexes (Index(include=...), for PostgreSQL's
# index-only scans: the audit trail by action, the reports by created_at) without their carried
# columns — a plain index on the key, which is what SQLite needs.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "models.W040"]

SPECTACULAR_SETTINGS = {
    "TITLE": "mlincidents API",
    "DESCRIPTION": (
        "Incident and post-mortem tracker for machine-learning bugs. Authenticate with "
        "`Authorization: Token <key>` (create a key with `manage.py create_api_token`). "
        "Errors are `application/problem+json` (RFC 9457)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page describe the API and hold no data: public, so that client
    # generators and bots can read them before they have a key.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc come from drf-spectacular-sidecar's pinned copies, served as static
    # files: the docs page fetches nothing from a CDN and works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "IncidentStatusEnum": "apps.incidents.models.IncidentStatus",
        "DiagnosisStatusEnum": "apps.diagnosis.models.DiagnosisStatus",
        "ReplayStatusEnum": "apps.replays.models.ReplayStatus",
        "SuiteVerdictEnum": "apps.replays.models.SuiteVerdict",
        "FeedbackVerdictEnum": "apps.feedback.models.Verdict",
        "PredicateEnum": "apps.replays.models.Predicate",
        "SeverityEnum": "apps.incidents.models.Severity",
        "EvidenceKindEnum": "apps.incidents.models.EvidenceKind",
        "PostmortemStatusEnum": "apps.postmortems.models.PostmortemStatus",
        "WhyStatusEnum": "apps.postmortems.models.WhyStatus",
        "RootCauseCategoryEnum": "apps.postmortems.models.RootCauseCategory",
        "SectionEnum": "apps.postmortems.models.Section",
        "ActionKindEnum": "apps.actions.models.ActionKind",
        "ActionScopeEnum": "apps.actions.models.ActionScope",
        "ReviewStateEnum": "apps.actions.models.ReviewState",
        "TicketStatusEnum": "apps.actions.models.TicketStatus",
        "PriorityEnum": "apps.actions.models.Priority",
    },
}

# --- Action items (README, "Action items") ------------------------------------------------
# An accepted action item's due date, in days after acceptance, by priority (overridable per item).
ACTION_ITEM_DUE_DAYS = {
    "P1": env.int("ACTION_ITEM_DUE_DAYS_P1", default=28),
    "P2": env.int("ACTION_ITEM_DUE_DAYS_P2", default=56),
    "P3": env.int("ACTION_ITEM_DUE_DAYS_P3", default=84),
}
# Reminders (daily at ACTION_ITEM_REMINDER_HOUR:05) cover overdue tickets and those due within
# this many days.
ACTION_ITEM_REMIND_DAYS_BEFORE = env.int("ACTION_ITEM_REMIND_DAYS_BEFORE", default=3)
# Export of tickets to GitHub issues: off until both the repository ("owner/name") and a token
# allowed to create its issues are set. GITHUB_API_URL is for GitHub Enterprise Server
# (https://HOST/api/v3).
GITHUB_TRACKER_REPO = env("GITHUB_TRACKER_REPO", default="")
GITHUB_TRACKER_TOKEN = env("GITHUB_TRACKER_TOKEN", default="")
GITHUB_API_URL = env("GITHUB_API_URL", default="https://api.github.com")
GITHUB_TRACKER_LABELS = env.list("GITHUB_TRACKER_LABELS", default=["mlincidents", "action-item"])
if GITHUB_TRACKER_REPO and not re.fullmatch(r"[\w.-]+/[\w.-]+", GITHUB_TRACKER_REPO):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"GITHUB_TRACKER_REPO must be owner/name, got {GITHUB_TRACKER_REPO!r}.")
TRACKER_TIMEOUT_SECONDS = env.float("TRACKER_TIMEOUT_SECONDS", default=10.0)
TRACKER_EXPORT_MAX_ATTEMPTS = env.int("TRACKER_EXPORT_MAX_ATTEMPTS", default=5)
TRACKER_EXPORT_BACKOFF_SECONDS = env.float("TRACKER_EXPORT_BACKOFF_SECONDS", default=30.0)
# The outgoing ticket webhook (endpoints are set up in the admin): attempts per delivery, the
# first retry's delay (doubled each time, capped), and the receiver's time to answer.
TICKET_WEBHOOK_MAX_ATTEMPTS = env.int("TICKET_WEBHOOK_MAX_ATTEMPTS", default=8)
TICKET_WEBHOOK_BACKOFF_SECONDS = env.float("TICKET_WEBHOOK_BACKOFF_SECONDS", default=30.0)
TICKET_WEBHOOK_BACKOFF_MAX_SECONDS = env.float("TICKET_WEBHOOK_BACKOFF_MAX_SECONDS", default=3600.0)
TICKET_WEBHOOK_TIMEOUT_SECONDS = env.float("TICKET_WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# A delivery or export still waiting this long after its time was never queued (the broker was
# down) or its message was lost: the sweep (every minute) sends it again.
OUTBOX_RESEND_AFTER_SECONDS = env.int("OUTBOX_RESEND_AFTER_SECONDS", default=300)

# --- E-mail (reminders) -------------------------------------------------------------------------
# EMAIL_URL in django-environ's form, e.g. smtp+tls://user:password@smtp.example.com:587; the
# default prints messages to the console.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="mlincidents <mlincidents@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# Public base URL used in links sent outside a request (chat messages, e-mails).
SITE_URL = env("SITE_URL", default="http://localhost:8000").rstrip("/")

# Chat bots (README, "Chat bots"): each integration is off until its secret is set.
SLACK_SIGNING_SECRET = env("SLACK_SIGNING_SECRET", default="")
MATTERMOST_TOKEN = env("MATTERMOST_TOKEN", default="")
# Hosts a Mattermost command's response_url may point at (your Mattermost server), for the
# replay verdict posted after a chat report. Slack's is always hooks.slack.com.
MATTERMOST_RESPONSE_HOSTS = env.list("MATTERMOST_RESPONSE_HOSTS", default=[])
# The hosts a Slack command's response_url may point at (GovSlack: hooks.slack-gov.com).
SLACK_RESPONSE_HOSTS = env.list("SLACK_RESPONSE_HOSTS", default=["hooks.slack.com"])
# The model a chat report is about when the message does not name one.
CHATOPS_DEFAULT_MODEL = env("CHATOPS_DEFAULT_MODEL", default="")

# Outgoing HTTP to URLs admins set (ticket webhooks, the GitHub export, model webhooks, chat
# follow-ups, the OIP backend) refuses hosts that resolve to loopback, link-local or private
# addresses, so that a URL typed in the admin cannot reach the app's own network (apps/core/
# outbound.py). Turn it on when a receiver really lives on your private network.
OUTBOUND_ALLOW_PRIVATE = env.bool("OUTBOUND_ALLOW_PRIVATE", default=False)
