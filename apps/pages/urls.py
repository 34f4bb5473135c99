"""Routes of the composed pages, by the namespace they keep (the root URLconf includes them)."""

from django.urls import path

from . import views

root_patterns = [
    path("", views.home, name="home"),
]

# Under /models/, in the `registry` namespace, after the registry's own list.
model_patterns = [
    path("<str:name>/", views.model_detail_view, name="detail"),
    path("<str:name>/suite/", views.model_suite_run_view, name="suite-run"),
]

# Under /reports/, in the `reports` namespace.
report_patterns = [
    path("<int:pk>/", views.report_detail_view, name="detail"),
]

# Under /incidents/, in the `incidents` namespace.
incident_patterns = [
    path("<int:pk>/", views.incident_detail_view, name="detail"),
    path("<int:pk>/transition/", views.incident_transition_view, name="transition"),
    path("<int:pk>/update/", views.incident_update_view, name="update"),
]
