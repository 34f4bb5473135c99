from django.apps import AppConfig


class PagesConfig(AppConfig):
    """Pages that compose many apps (the home page, a model's page): the top layer, so the apps
    they draw on never import each other to build them."""

    name = "apps.pages"
    label = "pages"
    verbose_name = "Pages"
