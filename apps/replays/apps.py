from django.apps import AppConfig


class ReplaysConfig(AppConfig):
    name = "apps.replays"
    label = "replays"
    verbose_name = "Replays"
