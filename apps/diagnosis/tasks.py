from celery import shared_task

from .services import diagnosis_compute


@shared_task(acks_late=True, ignore_result=True)
def diagnosis_compute_task(report_id: int) -> None:
    diagnosis_compute(report_id=report_id)


@shared_task(ignore_result=True)
def diagnoses_sweep_task() -> None:
    from .services import diagnoses_sweep

    diagnoses_sweep()
