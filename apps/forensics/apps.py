from django.apps import AppConfig


class ForensicsConfig(AppConfig):
    name = "apps.forensics"
    label = "forensics"
    verbose_name = "Input forensics"

    def ready(self) -> None:
        # Reports sit below this app and may not import it: a report's inputs arriving (at intake,
        # or a logged prediction linked later) is a signal (apps/reports/hooks.py) forensics hears.
        from apps.reports.hooks import report_inputs_arrived

        from .services import report_forensics_on_report_inputs

        report_inputs_arrived.connect(report_forensics_on_report_inputs,
                                      dispatch_uid="forensics.on_report_inputs")
