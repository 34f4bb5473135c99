from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.accounts.views import SignInView
from apps.core import views as core_views

api_v1 = [
    path("", include("apps.registry.api.urls")),
    path("", include("apps.predictions.api.urls")),
    path("", include("apps.reports.api.urls")),
    path("", include("apps.replays.api.urls")),
    path("", include("apps.incidents.api.urls")),
    path("", include("apps.feedback.api.urls")),
    path("", include("apps.forensics.api.urls")),
    path("", include("apps.postmortems.api.urls")),
    path("", include("apps.actions.api.urls")),
    path("", include("apps.insights.api.urls")),
]

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema", template_name="core/api_docs.html"),
         name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    path("api/v1/", include(api_v1)),
    path("integrations/", include("apps.chatops.urls")),
    path("admin/", admin.site.urls),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("apps.accounts.urls")),
    path("audit/", include("apps.audit.urls")),
    path("", core_views.home, name="home"),
    path("models/", include("apps.registry.urls")),
    path("reports/", include("apps.reports.urls")),
    path("replays/", include("apps.replays.urls")),
    path("incidents/", include("apps.incidents.urls")),
    path("forensics/", include("apps.forensics.urls")),
    # The post-mortem pages live under /incidents/<id>/postmortem/ and /postmortems/meeting/.
    path("", include("apps.postmortems.urls")),
    path("actions/", include("apps.actions.urls")),
    path("insights/", include("apps.insights.urls")),
]

handler400 = "apps.core.views.bad_request"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
