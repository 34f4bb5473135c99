from django.urls import path

from . import views

urlpatterns = [
    path("drift/", views.DriftReportListCreateApi.as_view(), name="api-drift-list"),
    path("drift/<int:pk>/", views.DriftReportDetailApi.as_view(), name="api-drift-detail"),
    path("reports/<int:pk>/forensics/", views.ReportForensicsApi.as_view(), name="api-report-forensics"),
]
