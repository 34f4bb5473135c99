from django.urls import path

from . import views

urlpatterns = [
    # `reports/`, `reports/<pk>/` and `reports/<pk>/prediction/` answer with the report's forensics
    # block: they are routed by apps/forensics/api/urls.py, under the same names.
    path("reports/<int:pk>/attachments/", views.ReportAttachmentListCreateApi.as_view(),
         name="api-report-attachments"),
    path("reports/<int:pk>/move/", views.ReportMoveApi.as_view(), name="api-report-move"),
    path("reports/<int:pk>/prediction-candidates/", views.ReportPredictionCandidatesApi.as_view(),
         name="api-report-prediction-candidates"),
]
