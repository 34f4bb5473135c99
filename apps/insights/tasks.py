from celery import shared_task

from .digest import team_digests_send


@shared_task(ignore_result=True, acks_late=True)
def team_digests_task() -> None:
    """Weekly (celery beat, Monday morning): every team's digest for last week, once."""
    team_digests_send()
