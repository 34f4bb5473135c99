from __future__ import annotations

from apps.feedback.services import IssuedPublishableKey, publishable_key_create


def widget_key(model_name: str = "iris", *, origins=("https://shop.example.com",), name: str = "shop",
               actor=None) -> IssuedPublishableKey:
    """A publishable key for the feedback widget, issued by the server's operator."""
    return publishable_key_create(model_name=model_name, name=name, allowed_origins=list(origins), actor=actor)
