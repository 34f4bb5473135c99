from django.urls import path

from . import report_views, views

urlpatterns = [
    path("drift/", views.DriftReportListCreateApi.as_view(), name="api-drift-list"),
    path("drift/<int:pk>/", views.DriftReportDetailApi.as_view(), name="api-drift-detail"),
    # A report's own endpoints that answer with its forensics block (apps/reports/api has the rest).
    path("reports/", report_views.ReportListCreateApi.as_view(), name="api-report-list"),
    path("reports/<int:pk>/", report_views.ReportDetailApi.as_view(), name="api-report-detail"),
    path("reports/<int:pk>/prediction/", report_views.ReportPredictionLinkApi.as_view(),
         name="api-report-prediction"),
    path("reports/<int:pk>/forensics/", views.ReportForensicsApi.as_view(), name="api-report-forensics"),
]
