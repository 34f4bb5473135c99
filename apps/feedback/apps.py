from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "apps.feedback"
    label = "feedback"
    verbose_name = "Feedback on predictions"

    def ready(self) -> None:
        # The widget's keys are revoked where every other key is: on the Tokens page.
        from apps.accounts.token_page import TokenPageSection, token_page_section_register

        from . import schema  # noqa: F401  (registers the OpenAPI description of publishable keys)
        from .views import SECTION, widget_keys_section

        token_page_section_register(TokenPageSection(name=SECTION, template="feedback/_widget_keys.html",
                                                     context=widget_keys_section))
