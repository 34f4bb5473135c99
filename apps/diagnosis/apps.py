from django.apps import AppConfig


class DiagnosisConfig(AppConfig):
    name = "apps.diagnosis"
    label = "diagnosis"
    verbose_name = "Differential diagnosis"

    def ready(self) -> None:
        # Reports sit below this app and may not import it: they announce "a report's inputs are
        # there (filed, or linked later)" with a signal (apps/reports/hooks.py), and the diagnosis listens.
        from apps.reports.hooks import report_inputs_arrived

        from .services import diagnosis_on_report_inputs

        report_inputs_arrived.connect(diagnosis_on_report_inputs, dispatch_uid="diagnosis.on_report_inputs")
