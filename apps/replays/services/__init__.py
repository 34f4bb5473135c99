"""Replay writes: starting runs, running their chunks, the sweep that recovers lost ones, and
the expected outcomes that make up the regression suite."""

from .expected import expected_outcome_clear, expected_outcome_set
from .runs import MAX_REPORTS_PER_REPLAY, replay_chunk_run, replay_run, replay_start
from .sweep import SweepResult, replays_sweep

__all__ = ["MAX_REPORTS_PER_REPLAY", "SweepResult", "expected_outcome_clear", "expected_outcome_set",
           "replay_chunk_run", "replay_run", "replay_start", "replays_sweep"]
