from django.urls import path

from . import views

app_name = "chatops"

urlpatterns = [
    path("slack/commands/", views.slack_command_view, name="slack-command"),
    path("mattermost/commands/", views.mattermost_command_view, name="mattermost-command"),
]
