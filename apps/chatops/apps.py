from django.apps import AppConfig


class ChatopsConfig(AppConfig):
    name = "apps.chatops"
    label = "chatops"
    verbose_name = "Chat-bot integrations"

    def ready(self) -> None:
        # Incidents sit below chatops and do not import it for this: they send a signal.
        from apps.incidents.hooks import incident_status_changed

        from .receivers import tell_chat_reporters

        incident_status_changed.connect(tell_chat_reporters, dispatch_uid="chatops.tell_chat_reporters")
