"""Tells drf-spectacular how the feedback widget's publishable key is sent, so the API docs
describe it (and schema generation stays free of warnings)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PublishableKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.feedback.api.widget.PublishableKeyAuthentication"
    name = "publishableKey"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "query", "name": "key",
                "description": "A publishable key (`mli_pk_…`) for the feedback widget: intake-only, for one "
                               "model, accepted only from the origins listed on the key (Tokens page)."}
