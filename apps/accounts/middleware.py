from django.conf import settings
from django.contrib.auth.middleware import PersistentRemoteUserMiddleware


class AuthProxyMiddleware(PersistentRemoteUserMiddleware):
    """Single sign-on behind an authenticating proxy (oauth2-proxy, an ingress with OIDC, …):
    the proxy signs people in with the company's identity provider and passes the username
    in the header named by AUTH_PROXY_HEADER. The proxy must strip that header from what
    clients send, or anyone could claim any name."""

    @property
    def header(self) -> str:
        return "HTTP_" + settings.AUTH_PROXY_HEADER.upper().replace("-", "_")
