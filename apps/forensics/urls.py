from django.urls import path

from . import views

app_name = "forensics"
urlpatterns = [
    path("models/<str:name>/drift/", views.model_drift_view, name="model-drift"),
    path("models/<str:name>/drift/new/", views.drift_start_view, name="drift-start"),
    path("drift/<int:pk>/", views.drift_detail_view, name="drift-detail"),
    path("reports/<int:pk>/recompute/", views.report_forensics_recompute_view, name="report-recompute"),
]
