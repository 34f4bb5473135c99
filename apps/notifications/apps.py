from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Outgoing notifications"

    def ready(self) -> None:
        # Incidents sit below notifications and do not import it for this: they send a signal.
        from apps.incidents.hooks import incident_announced, incident_status_changed

        from .receivers import tell_reporters
        from .services import incident_announced_receiver

        incident_status_changed.connect(tell_reporters, dispatch_uid="notifications.tell_reporters")
        incident_announced.connect(incident_announced_receiver, dispatch_uid="notifications.incident_announced")
