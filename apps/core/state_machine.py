"""One small helper for the explicit status pipelines (incidents, replays, …): each model
declares a table of allowed moves and every status change goes through `check`."""

from __future__ import annotations

from collections.abc import Mapping

from .errors import IllegalTransition


class StateMachine:
    def __init__(self, entity: str, transitions: Mapping[str, frozenset[str] | set[str]]):
        self.entity = entity
        self.transitions = {state: frozenset(targets) for state, targets in transitions.items()}

    def allowed_from(self, current: str) -> list[str]:
        return sorted(self.transitions.get(current, frozenset()))

    def can_move(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, frozenset())

    def check(self, current: str, target: str) -> None:
        if not self.can_move(current, target):
            raise IllegalTransition(
                entity=self.entity, current=current, target=target, allowed=self.allowed_from(current)
            )
