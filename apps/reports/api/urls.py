from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.ReportListCreateApi.as_view(), name="api-report-list"),
    path("reports/<int:pk>/", views.ReportDetailApi.as_view(), name="api-report-detail"),
    path("reports/<int:pk>/attachments/", views.ReportAttachmentListCreateApi.as_view(),
         name="api-report-attachments"),
    path("reports/<int:pk>/move/", views.ReportMoveApi.as_view(), name="api-report-move"),
    path("reports/<int:pk>/prediction-candidates/", views.ReportPredictionCandidatesApi.as_view(),
         name="api-report-prediction-candidates"),
    path("reports/<int:pk>/prediction/", views.ReportPredictionLinkApi.as_view(), name="api-report-prediction"),
]
