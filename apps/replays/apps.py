from django.apps import AppConfig


class ReplaysConfig(AppConfig):
    name = "apps.replays"
    label = "replays"
    verbose_name = "Replays"

    def ready(self) -> None:
        # Incidents sit below this app and may not import it: they ask, with a signal
        # (apps/incidents/hooks.py), what evidence citing a replay points at, and this app answers.
        from apps.incidents.hooks import evidence_target_requested

        from .evidence_targets import evidence_target_of_replay

        evidence_target_requested.connect(evidence_target_of_replay, dispatch_uid="replays.evidence_target_of_replay")
