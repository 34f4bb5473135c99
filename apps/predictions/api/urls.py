from django.urls import path

from . import views

urlpatterns = [path("predictions/", views.PredictionLogApi.as_view(), name="api-prediction-log")]
