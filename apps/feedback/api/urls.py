from django.urls import path

from . import views

urlpatterns = [
    path("feedback/", views.FeedbackCreateApi.as_view(), name="api-feedback"),
    path("models/<str:name>/feedback/", views.FeedbackCountsApi.as_view(), name="api-model-feedback"),
]
