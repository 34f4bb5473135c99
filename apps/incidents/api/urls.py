from django.urls import path

from . import views

urlpatterns = [
    path("incidents/", views.IncidentListApi.as_view(), name="api-incident-list"),
    path("incidents/<int:pk>/", views.IncidentDetailApi.as_view(), name="api-incident-detail"),
    path("incidents/<int:pk>/transition/", views.IncidentTransitionApi.as_view(), name="api-incident-transition"),
    path("incidents/<int:pk>/merge/", views.IncidentMergeApi.as_view(), name="api-incident-merge"),
    path("incidents/<int:pk>/similar/", views.IncidentSimilarityMarkApi.as_view(), name="api-incident-similar"),
]
