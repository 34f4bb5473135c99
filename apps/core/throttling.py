"""Rate limits on intake and sign-in, counted in the Django cache (Redis in production, so
every web process shares the counts). Rates come from settings.RATE_LIMITS, read on every
request so that they can be changed per environment and in tests.

Redis being down must never refuse a report or a sign-in: while the cache does not answer,
the counts are kept in this process instead (each web process then allows the full rate on
its own), with one warning in the log per outage."""

from __future__ import annotations

import ipaddress
import logging
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache as default_cache
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest
from redis.exceptions import RedisError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

logger = logging.getLogger(__name__)

# After a failure, the shared cache is tried again only this much later, so that an outage
# costs one failed connection every few seconds rather than one per request.
RETRY_SHARED_AFTER_SECONDS = 5.0
_CACHE_ERRORS = (RedisError, OSError)


class RateLimitCounts:
    """The cache the rate limits count in: the default cache, or this process's own while the
    default one (Redis) fails. Only what SimpleRateThrottle calls (get, set) is offered."""

    def __init__(self) -> None:
        self._local = LocMemCache("rate-limit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10_000}})
        self.reset()

    def reset(self) -> None:
        """Forgets an outage and the local counts (a test that changes the cache starts afresh)."""
        self._local.clear()
        self._shared_down_until = 0.0
        self._outage_logged = False

    def get(self, key: str, default: Any = None) -> Any:
        return self._call("get", key, default)

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        self._call("set", key, value, timeout)

    def _call(self, method: str, *args):
        if time.monotonic() >= self._shared_down_until:
            try:
                result = getattr(default_cache, method)(*args)
            except _CACHE_ERRORS as error:
                self._shared_down_until = time.monotonic() + RETRY_SHARED_AFTER_SECONDS
                if not self._outage_logged:
                    self._outage_logged = True
                    logger.warning("The cache for rate limits does not answer (%s: %s); counting per process "
                                   "until it is back", error.__class__.__name__, error)
            else:
                if self._outage_logged:
                    self._outage_logged = False
                    logger.info("The cache for rate limits answers again; counts are shared again")
                return result
        return getattr(self._local, method)(*args)


rate_limit_counts = RateLimitCounts()


class _ConfiguredRateThrottle(SimpleRateThrottle):
    cache = rate_limit_counts

    def get_rate(self) -> str | None:
        return settings.RATE_LIMITS.get(self.scope)


class _WritesOnly(_ConfiguredRateThrottle):
    def allow_request(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return super().allow_request(request, view)


class IntakeClientThrottle(_WritesOnly):
    """Per token (a bot's tokens each get their own budget) or, for a session, per user."""

    scope = "intake_client"

    def get_cache_key(self, request, view) -> str | None:
        if request.auth is not None and getattr(request.auth, "pk", None) is not None:
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class IntakeAddressThrottle(_WritesOnly):
    """Per client address, whoever is signed in (one host cannot drown intake with many tokens)."""

    scope = "intake_address"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInAddressThrottle(_ConfiguredRateThrottle):
    """Sign-in attempts per client address."""

    scope = "sign_in_address"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


INTAKE_THROTTLES = [IntakeClientThrottle, IntakeAddressThrottle]


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the rate limits see it (REST_FRAMEWORK["NUM_PROXIES"] hops into
    X-Forwarded-For), for django-axes' record of sign-in attempts. None when that is not an IP
    address (a forged header with too few proxies in front): axes keeps it in an IP column,
    which PostgreSQL would refuse with a server error."""
    try:
        return str(ipaddress.ip_address(BaseThrottle().get_ident(request)))
    except ValueError:
        return None
