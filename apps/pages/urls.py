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
