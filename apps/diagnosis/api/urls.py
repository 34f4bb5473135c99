from django.urls import path

from . import views

urlpatterns = [
    path("reports/<int:pk>/diagnosis/", views.ReportDiagnosisApi.as_view(), name="api-report-diagnosis"),
    path("incidents/<int:pk>/diagnosis/", views.IncidentDiagnosisApi.as_view(), name="api-incident-diagnosis"),
]
