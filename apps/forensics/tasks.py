from celery import shared_task

from .services import drift_report_run, drift_reports_schedule_daily, report_forensics_compute


@shared_task(acks_late=True, ignore_result=True)
def report_forensics_task(report_id: int) -> None:
    report_forensics_compute(report_id=report_id)


@shared_task(acks_late=True, ignore_result=True)
def drift_report_run_task(drift_report_id: int) -> None:
    drift_report_run(drift_report_id=drift_report_id)


@shared_task(ignore_result=True)
def drift_reports_daily_task() -> None:
    drift_reports_schedule_daily()
