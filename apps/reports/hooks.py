"""What other apps may hear from reports without reports importing them (the layers forbid
that), in the same way as `apps/incidents/hooks.py`: Django signals that a higher app connects
to in its AppConfig.ready().

`report_inputs_arrived` is sent, with `report` and `actor`, when a report's model inputs are
there: at intake, and when a logged prediction is linked to it later (forensics and the
differential diagnosis listen). It is sent inside the writing transaction; receivers must be
cheap and defer real work to on_commit, and a receiver that writes does it in a savepoint of its
own (`transaction.atomic`), so that its failure cannot leave the transaction aborted (on
PostgreSQL the report would be lost with it). Receivers are called with send_robust: one that
fails is logged and never undoes the report."""

from __future__ import annotations

import logging

from django.dispatch import Signal

from .models import Report

logger = logging.getLogger(__name__)

report_inputs_arrived = Signal()


def report_inputs_ready(*, report: Report, actor) -> None:
    for _receiver, result in report_inputs_arrived.send_robust(sender=Report, report=report, actor=actor):
        if isinstance(result, Exception):
            logger.error("A receiver of report %s's inputs failed: %r", report.pk, result, exc_info=result)
