from django.apps import AppConfig


class ForensicsConfig(AppConfig):
    name = "apps.forensics"
    label = "forensics"
    verbose_name = "Input forensics"

    def ready(self) -> None:
        from apps.incidents.hooks import evidence_target_requested
        from apps.reports.hooks import report_inputs_arrived

        from .evidence_targets import evidence_target_of_drift_report
        from .services import report_forensics_on_report_inputs

        # Incidents sit below this app and may not import it: they ask, with a signal
        # (apps/incidents/hooks.py), what evidence citing a drift report points at, and this app answers.
        evidence_target_requested.connect(evidence_target_of_drift_report,
                                          dispatch_uid="forensics.evidence_target_of_drift_report")
        # Reports sit below this app and may not import it either: a report's inputs arriving (at
        # intake, or a logged prediction linked later) is a signal (apps/reports/hooks.py) forensics hears.
        report_inputs_arrived.connect(report_forensics_on_report_inputs,
                                      dispatch_uid="forensics.on_report_inputs")
