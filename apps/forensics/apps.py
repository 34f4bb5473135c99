from django.apps import AppConfig


class ForensicsConfig(AppConfig):
    name = "apps.forensics"
    label = "forensics"
    verbose_name = "Input forensics"

    def ready(self) -> None:
        # Incidents sit below this app and may not import it: they ask, with a signal
        # (apps/incidents/hooks.py), what evidence citing a drift report points at, and this app answers.
        from apps.incidents.hooks import evidence_target_requested

        from .evidence_targets import evidence_target_of_drift_report

        evidence_target_requested.connect(evidence_target_of_drift_report,
                                          dispatch_uid="forensics.evidence_target_of_drift_report")
