from celery import shared_task

from .services import replay_chunk_run, replay_run, replays_sweep


@shared_task(acks_late=True, ignore_result=True)
def replay_chunk_run_task(chunk_id: int) -> None:
    replay_chunk_run(chunk_id=chunk_id)


@shared_task(acks_late=True, ignore_result=True)
def replay_run_task(replay_id: int) -> None:
    """Runs a whole replay in one task: for messages sent before replays were chunked."""
    replay_run(replay_id=replay_id)


@shared_task(ignore_result=True)
def replays_sweep_task() -> None:
    replays_sweep()
