from django.apps import AppConfig


class ForensicsConfig(AppConfig):
    name = "apps.forensics"
    label = "forensics"
    verbose_name = "Input forensics"
