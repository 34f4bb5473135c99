from django.urls import path

from . import intake_views, views

app_name = "reports"
urlpatterns = [
    path("", views.report_list_view, name="list"),
    path("mine/", views.my_reports_view, name="mine"),
    path("new/", intake_views.report_create_view, name="new"),
    path("new/prediction/", intake_views.report_prediction_preview_view, name="prediction-preview"),
    # The report's page (`detail`) composes forensics and replays, so it lives in apps.pages; its
    # replay and expected-outcome buttons (`replay`, `expectation`) are the replays app's. The root
    # URLconf adds them to this namespace.
    path("<int:pk>/move/", views.report_move_view, name="move"),
    path("<int:pk>/prediction/", intake_views.report_link_prediction_view, name="link-prediction"),
    path("<int:pk>/model/", intake_views.report_assign_model_view, name="assign-model"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.report_attachment_download_view, name="attachment"),
]
