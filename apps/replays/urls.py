from django.urls import path

from . import views

app_name = "replays"
urlpatterns = [
    path("<int:pk>/", views.replay_detail_view, name="detail"),
]

# Actions on a report's page, routed by the root URLconf under /reports/ in the `reports`
# namespace (their names are the report page's: `reports:replay`, `reports:expectation`).
report_patterns = [
    path("<int:pk>/replay/", views.report_replay_view, name="replay"),
    path("<int:pk>/expectation/", views.report_expectation_view, name="expectation"),
]

# The replay panel of the incident page, routed by the root URLconf under /incidents/ in the
# `incidents` namespace (`incidents:replay`, `incidents:replays`).
incident_patterns = [
    path("<int:pk>/replay/", views.incident_replay_view, name="replay"),
    path("<int:pk>/replays/", views.incident_replays_view, name="replays"),
]
