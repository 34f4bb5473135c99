# syntax=docker/dockerfile:1
#
# mlincidents production image. One image serves every role; docker-compose.yml picks the
# role with the command: gunicorn (default), celery worker, celery beat, migrate, seed_demo.
#
#   docker build -t mlincidents .
#
FROM python:3.11-slim

# - PYTHONDONTWRITEBYTECODE: the code is read-only for the app user, so don't try to write .pyc.
# - PYTHONUNBUFFERED: logs reach `docker logs` immediately.
# - DJANGO_SETTINGS_MODULE: manage.py and the Celery app default to the *local* settings;
#   inside the image everything runs with the production settings.
# - MEDIA_ROOT / ARTIFACT_ROOT: both live on the /app/var volume (see VOLUME below), which
#   web and worker share: the worker loads artifacts the web app registered.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=mlincidents.settings.production \
    MEDIA_ROOT=/app/var/media \
    ARTIFACT_ROOT=/app/var/artifacts

WORKDIR /app

# Unprivileged runtime user. The fixed UID/GID (1000) makes it predictable to chown a bind
# mount for /app/var on the host if you use one instead of a named volume.
RUN groupadd --system --gid 1000 app \
 && useradd --system --uid 1000 --gid app --home-dir /app --no-create-home \
            --shell /usr/sbin/nologin app

# Dependencies first, in their own layer, so editing code doesn't reinstall them. Every
# runtime dependency ships a manylinux wheel (psycopg[binary], numpy, scipy, scikit-learn
# bundle their native libraries), so no compiler or system packages are needed.
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

# Code stays owned by root: the app user can read it but not change it.
COPY . .

# Static files are collected into the image (STATIC_ROOT=/app/staticfiles) and served by
# whitenoise. The production settings refuse to import without a long secret and a
# DATABASE_URL, so this one step gets throwaway values; they are not kept in the image's
# environment, and collectstatic never connects to the database.
RUN DJANGO_SECRET_KEY="build-time-only-collectstatic-key-not-used-at-runtime-0123456789" \
    DATABASE_URL="sqlite:////tmp/collectstatic.sqlite3" \
    python manage.py collectstatic --noinput \
 && rm -f /tmp/collectstatic.sqlite3

# The only writable place for the app: media uploads, model artifacts, beat's schedule.
# Created here (owned by the app user) so a fresh named volume inherits the ownership.
RUN mkdir -p /app/var/media /app/var/artifacts \
 && chown -R app:app /app/var \
 && chmod 0755 /app/docker/entrypoint.sh
VOLUME ["/app/var"]

# Numeric, so orchestrators enforcing runAsNonRoot can verify it (1000 = app, see above).
USER 1000:1000

EXPOSE 8000

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# --worker-tmp-dir /dev/shm: gunicorn's worker heartbeat file on tmpfs, so a slow container
#   filesystem can't stall workers into being killed as unresponsive.
# --control-socket: gunicorn's default is ~/.gunicorn/, and the app user's home (/app) is
#   read-only; in /tmp it works (`docker compose exec web gunicornc -s /tmp/gunicorn.ctl`).
CMD ["gunicorn", "mlincidents.wsgi:application", \
     "--bind", "0.0.0.0:8000", \
     "--workers", "3", \
     "--access-logfile", "-", \
     "--worker-tmp-dir", "/dev/shm", \
     "--control-socket", "/tmp/gunicorn.ctl"]
