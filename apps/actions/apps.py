from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "apps.actions"
    label = "actions"
    verbose_name = "Action items"

    def ready(self) -> None:
        # Incidents sit below this app: closing one asks, through a signal, which accepted action
        # items are still open (apps/incidents/hooks.py).
        from apps.incidents.hooks import incident_close_asked

        from .receivers import close_blockers_of

        incident_close_asked.connect(close_blockers_of, dispatch_uid="actions.close_blockers_of")
