from django.urls import path

from apps.replays.views import report_expectation_view

from . import intake_views, views

app_name = "reports"
urlpatterns = [
    path("", views.report_list_view, name="list"),
    path("new/", intake_views.report_create_view, name="new"),
    path("new/prediction/", intake_views.report_prediction_preview_view, name="prediction-preview"),
    path("<int:pk>/", views.report_detail_view, name="detail"),
    path("<int:pk>/replay/", views.report_replay_view, name="replay"),
    path("<int:pk>/expectation/", report_expectation_view, name="expectation"),
    path("<int:pk>/move/", views.report_move_view, name="move"),
    path("<int:pk>/prediction/", intake_views.report_link_prediction_view, name="link-prediction"),
    path("<int:pk>/model/", intake_views.report_assign_model_view, name="assign-model"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.report_attachment_download_view, name="attachment"),
]
