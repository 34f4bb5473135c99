from celery import shared_task

from .services import replay_run


@shared_task(acks_late=True, ignore_result=True)
def replay_run_task(replay_id: int) -> None:
    replay_run(replay_id=replay_id)
