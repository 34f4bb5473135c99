from django.apps import AppConfig


class DiagnosisConfig(AppConfig):
    name = "apps.diagnosis"
    label = "diagnosis"
    verbose_name = "Differential diagnosis"

    def ready(self) -> None:
        # Reports sit below this app and may not import it: they announce "a report's inputs are
        # there (filed, or linked later)" through apps.core.hooks, and the diagnosis listens.
        from apps.core import hooks

        from .services import diagnosis_on_report_inputs

        hooks.on_report_inputs(diagnosis_on_report_inputs)
