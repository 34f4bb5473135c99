"""Rate limits on intake and sign-in, counted in the Django cache (Redis in production, so
every web process shares the counts). Rates come from settings.RATE_LIMITS, read on every
request so that they can be changed per environment and in tests."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


class _ConfiguredRateThrottle(SimpleRateThrottle):
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
