from django.urls import path

from . import views

app_name = "diagnosis"
urlpatterns = [
    path("reports/<int:pk>/", views.report_card_view, name="report-card"),
    path("reports/<int:pk>/recompute/", views.report_recompute_view, name="report-recompute"),
    path("incidents/<int:pk>/", views.incident_card_view, name="incident-card"),
]
