from __future__ import annotations

from rest_framework.permissions import BasePermission

from .models import ApiToken


class TokenScopePermission(BasePermission):
    """A token with scopes may only call what a view names for that method in `token_scopes`,
    e.g. `token_scopes = {"POST": "reports:create"}`. Full-access tokens and browser
    sessions are not limited here."""

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or token.is_full_access:
            return True
        needed = getattr(view, "token_scopes", {}).get(request.method)
        if needed is not None and token.allows(needed):
            return True
        self.message = (f"This token is limited to {', '.join(token.scopes)}; {request.method} {request.path} "
                        "needs a token with full access.")
        return False
