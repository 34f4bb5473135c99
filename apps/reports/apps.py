from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "apps.reports"
    label = "reports"
    verbose_name = "WTF reports"

    def ready(self) -> None:
        # Incidents sit below this app and may not import it: they ask, with a signal
        # (apps/incidents/hooks.py), what evidence citing a report (or its forensics, diagnosis
        # or an attachment) points at and which cited reports a reader may open; this app answers.
        from apps.incidents.hooks import evidence_reports_requested, evidence_target_requested

        from .evidence_targets import evidence_reports_readable, evidence_target_of_report

        evidence_target_requested.connect(evidence_target_of_report, dispatch_uid="reports.evidence_target_of_report")
        evidence_reports_requested.connect(evidence_reports_readable, dispatch_uid="reports.evidence_reports_readable")
