from django.urls import path

from . import views

urlpatterns = [
    path("reports/<int:pk>/replays/", views.ReportReplayApi.as_view(), name="api-report-replay"),
    path("reports/<int:pk>/expectation/", views.ReportExpectationApi.as_view(), name="api-report-expectation"),
    path("replays/", views.ReplayBatchApi.as_view(), name="api-replay-batch"),
    path("replays/<int:pk>/", views.ReplayDetailApi.as_view(), name="api-replay-detail"),
    path("replays/<int:pk>/results/", views.ReplayResultListApi.as_view(), name="api-replay-results"),
]
