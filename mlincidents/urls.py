from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from apps.accounts.views import SignInView
from apps.core import views as core_views
from apps.incidents import urls as incidents_urls
from apps.pages import urls as pages_urls
from apps.registry import urls as registry_urls
from apps.replays import urls as replays_urls
from apps.reports import urls as reports_urls

api_v1 = [
    path("", include("apps.registry.api.urls")),
    path("", include("apps.predictions.api.urls")),
    path("", include("apps.reports.api.urls")),
    path("", include("apps.replays.api.urls")),
    path("", include("apps.incidents.api.urls")),
    path("", include("apps.feedback.api.urls")),
    path("", include("apps.forensics.api.urls")),
    path("", include("apps.diagnosis.api.urls")),
    path("", include("apps.postmortems.api.urls")),
    path("", include("apps.actions.api.urls")),
    path("", include("apps.search.api.urls")),
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
    path("account/widget-keys/", include("apps.feedback.urls")),
    path("audit/", include("apps.audit.urls")),
    path("", include(pages_urls.root_patterns)),
    # The model page composes many apps, so it lives in apps.pages, under the registry's names.
    path("models/", include((registry_urls.urlpatterns + pages_urls.model_patterns, registry_urls.app_name))),
    # A report's page composes forensics and replays (apps.pages); its replay buttons are the replays app's.
    path("reports/", include((reports_urls.urlpatterns + pages_urls.report_patterns + replays_urls.report_patterns,
                              reports_urls.app_name))),
    path("replays/", include("apps.replays.urls")),
    # The incident page composes reports, replays, post-mortems and tickets (apps.pages); its replay panel is
    # the replays app's.
    path("incidents/", include((incidents_urls.urlpatterns + pages_urls.incident_patterns
                                + replays_urls.incident_patterns, incidents_urls.app_name))),
    path("forensics/", include("apps.forensics.urls")),
    path("diagnosis/", include("apps.diagnosis.urls")),
    # The post-mortem pages live under /incidents/<id>/postmortem/ and /postmortems/meeting/.
    path("", include("apps.postmortems.urls")),
    path("actions/", include("apps.actions.urls")),
    path("search/", include("apps.search.urls")),
    path("insights/", include("apps.insights.urls")),
]

handler400 = "apps.core.views.bad_request"
handler404 = "apps.core.views.page_not_found"
handler500 = "apps.core.views.server_error"
