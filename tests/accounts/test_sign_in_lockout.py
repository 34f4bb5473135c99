"""Sign-in lockout per username (django-axes): guesses for one account spread over many
addresses, which the per-address rate limit cannot see, lock that account for a while."""

import itertools
import json
import os
import re
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from tests.accounts.factories import UserFactory, admin_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery staple"
LIMIT = 3
LOCKED_OUT = ("Too many failed sign-ins for this account. Try again in 15 minutes, "
              "or ask an administrator to unlock it.")
_addresses = (f"198.51.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@pytest.fixture(autouse=True)
def lockout(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def sign_in(username: str, password: str = PASSWORD, **extra):
    """One attempt from an address not used before, so the per-address limit never applies."""
    return Client().post("/accounts/login/", {"username": username, "password": password},
                         **{"REMOTE_ADDR": next(_addresses), **extra})


def fail(username: str, times: int) -> list[int]:
    return [sign_in(username, "wrong").status_code for _ in range(times)]


def minutes_pass(minutes: int) -> None:
    """Moves axes' clock: every recorded failure becomes that much older."""
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def without_csrf_token(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def test_failures_from_many_addresses_lock_the_account_even_for_the_right_password():
    user = UserFactory()

    assert fail(user.username, LIMIT) == [200] * (LIMIT - 1) + [429]
    refused = sign_in(user.username)

    assert refused.status_code == 429
    assert refused["Retry-After"] == str(15 * 60)
    assert LOCKED_OUT in refused.content.decode()
    assert "_auth_user_id" not in refused.wsgi_request.session


def test_another_account_is_unaffected():
    locked, other = UserFactory(), UserFactory()
    fail(locked.username, LIMIT)

    assert sign_in(other.username).status_code == 302


def test_a_successful_sign_in_before_the_limit_starts_the_count_again():
    user = UserFactory()

    assert fail(user.username, LIMIT - 1) == [200] * (LIMIT - 1)
    assert sign_in(user.username).status_code == 302
    assert fail(user.username, LIMIT - 1) == [200] * (LIMIT - 1)
    assert sign_in(user.username).status_code == 302


def test_the_lock_ends_after_the_cool_off_and_guesses_during_it_do_not_prolong_it():
    user = UserFactory()
    fail(user.username, LIMIT)

    minutes_pass(14)
    assert sign_in(user.username).status_code == 429
    assert fail(user.username, LIMIT) == [429] * LIMIT
    minutes_pass(2)
    assert sign_in(user.username).status_code == 302


def test_an_unknown_username_is_answered_exactly_like_a_known_one():
    user = UserFactory()
    fail(user.username, LIMIT)
    fail("nobody-by-this-name", LIMIT)

    known, unknown = sign_in(user.username), sign_in("nobody-by-this-name")

    assert (unknown.status_code, unknown["Retry-After"]) == (known.status_code, known["Retry-After"]) == (429, "900")
    assert without_csrf_token(unknown.content) == without_csrf_token(known.content)


def test_admins_see_the_attempts_and_unlock_an_account():
    user = UserFactory()
    fail(user.username, LIMIT)
    admin = Client()
    admin.force_login(admin_user())

    changelist = admin.get("/admin/axes/accessattempt/")

    assert changelist.status_code == 200
    assert user.username in changelist.content.decode()
    call_command("axes_reset_username", user.username, stdout=StringIO())
    assert sign_in(user.username).status_code == 302


def test_behind_a_proxy_the_attempt_has_the_address_the_rate_limits_use(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    sign_in("ada", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7")
    forged = sign_in("grace", "wrong", HTTP_X_FORWARDED_FOR="not-an-address")

    assert AccessAttempt.objects.get(username="ada").ip_address == "203.0.113.7"
    assert forged.status_code == 200
    assert AccessAttempt.objects.get(username="grace").ip_address is None


def _base_settings(**env) -> subprocess.CompletedProcess:
    """Computes the base settings in a process with these environment variables."""
    unwanted = ("AUTH_PROXY_HEADER", "DJANGO_AUTHENTICATION_BACKENDS", "LOGIN_FAILURE_LIMIT", "LOGIN_LOCKOUT_MINUTES")
    clean = {key: value for key, value in os.environ.items() if key not in unwanted}
    code = ("import json, mlincidents.settings.base as s; print(json.dumps({'backends': s.AUTHENTICATION_BACKENDS, "
            "'limit': s.AXES_FAILURE_LIMIT, 'cool_off': s.AXES_COOLOFF_TIME.total_seconds()}))")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=clean | env)


def _computed(**env) -> dict:
    result = _base_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


AXES = "axes.backends.AxesStandaloneBackend"
MODEL = "apps.accounts.backends.PeopleModelBackend"
DJANGO_MODEL = "django.contrib.auth.backends.ModelBackend"


@pytest.mark.parametrize(("env", "backends"), [
    ({}, [AXES, MODEL]),
    ({"AUTH_PROXY_HEADER": "X-Forwarded-User"}, [AXES, "apps.accounts.backends.PeopleRemoteUserBackend", MODEL]),
    ({"DJANGO_AUTHENTICATION_BACKENDS": f"{DJANGO_MODEL},{AXES}"}, [AXES, MODEL]),
], ids=["default", "auth proxy", "from the environment"])
def test_the_lockout_check_comes_before_every_backend(env, backends):
    assert _computed(**env)["backends"] == backends


def test_the_limit_and_the_cool_off_come_from_the_environment():
    computed = _computed(LOGIN_FAILURE_LIMIT="4", LOGIN_LOCKOUT_MINUTES="30")

    assert (computed["limit"], computed["cool_off"]) == (4, 30 * 60)
    refused = _base_settings(LOGIN_FAILURE_LIMIT="0")
    assert refused.returncode != 0 and "must be at least 1" in refused.stderr
