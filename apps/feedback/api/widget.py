"""How the feedback endpoint lets in the widget on a product page: the publishable key that
WidgetCorsMiddleware already checked against its origins becomes `request.auth`, with no user.
It is throttled per key and per visitor's address, apart from the intake budget of bots."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from apps.core.throttling import IntakeAddressThrottle, IntakeClientThrottle

from ..models import PublishableKey


class PublishableKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        key = getattr(request._request, "publishable_key", None)
        return (AnonymousUser(), key) if isinstance(key, PublishableKey) else None

    def authenticate_header(self, request) -> str:
        # Without credentials the answer is 401 asking for a token, as on every other endpoint.
        return "Token"


def from_widget(request) -> bool:
    return isinstance(request.auth, PublishableKey)


class SignedInOrWidget(BasePermission):
    message = "Authentication credentials were not provided."

    def has_permission(self, request, view) -> bool:
        return from_widget(request) or bool(request.user and request.user.is_authenticated)


class WidgetKeyThrottle(IntakeClientThrottle):
    scope = "widget_key"

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": f"publishable-{request.auth.pk}"}


class WidgetAddressThrottle(IntakeAddressThrottle):
    scope = "widget_address"


WIDGET_THROTTLES = [WidgetKeyThrottle, WidgetAddressThrottle]
