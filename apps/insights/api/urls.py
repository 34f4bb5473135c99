from django.urls import path

from . import views

urlpatterns = [
    path("insights/", views.InsightsApi.as_view(), name="api-insights"),
]
