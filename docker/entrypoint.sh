#!/bin/sh
# Runs before every command in the image (gunicorn, celery worker/beat, manage.py ...).
#
# MEDIA_ROOT and ARTIFACT_ROOT live on the /app/var volume. Make sure they exist (a volume
# or bind mount may start empty, or the paths may have been pointed elsewhere) and are
# writable by the app user. A root-owned bind mount would otherwise only surface later,
# as a failed upload or a failed task.
set -eu

for dir in "${MEDIA_ROOT:-/app/var/media}" "${ARTIFACT_ROOT:-/app/var/artifacts}"; do
    if ! mkdir -p "$dir" 2>/dev/null || [ ! -w "$dir" ]; then
        echo "entrypoint: $dir is not writable by uid $(id -u)." >&2
        echo "entrypoint: if /app/var is a bind mount, run on the host: chown -R $(id -u):$(id -g) <that directory>" >&2
        exit 1
    fi
done

# Replace the shell so the command is PID 1 and receives SIGTERM from `docker stop`.
exec "$@"
