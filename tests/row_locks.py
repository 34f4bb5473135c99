"""Two transactions at once, for the PostgreSQL tests of row locks: a thread (with its own
connection) holds what a service locked while the test's connection tries to take a row."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import DatabaseError, connections, transaction


def in_thread(target: Callable[[], None], errors: list[BaseException]) -> threading.Thread:
    def run():
        try:
            target()
        except BaseException as error:  # collected and asserted on in the test's thread
            errors.append(error)
        finally:
            connections.close_all()  # each thread has its own connection

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def row_free_while(work: Callable[[], None], try_lock: Callable[[], None]) -> bool:
    """Whether `try_lock` (a FOR UPDATE NOWAIT from a second connection) gets its row while
    another transaction is inside `work`, holding what `work` locked."""
    locked, checked = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold():
        with transaction.atomic():
            work()
            locked.set()
            checked.wait(timeout=30)

    thread = in_thread(hold, errors)
    try:
        assert locked.wait(timeout=30), errors
        try:
            with transaction.atomic():
                try_lock()
        except DatabaseError:  # "could not obtain lock on row"
            return False
        return True
    finally:
        checked.set()
        thread.join(timeout=60)
        assert errors == []


def second_while_first_holds(first: Callable[[], None], second: Callable[[], None], *,
                             hold_seconds: float) -> list[BaseException]:
    """Runs `first` in a transaction that, once `first` is done, stays open (holding its locks)
    for up to `hold_seconds`, or until `second` — started meanwhile from another connection —
    finishes: a `second` that does not wait for those locks gets through while they are held.
    Returns what `second` raised (empty if nothing); anything else raised fails the test."""
    first_done, second_finished = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    raised: list[BaseException] = []

    def run_first():
        with transaction.atomic():
            first()
            first_done.set()  # done but not committed yet
            second_finished.wait(timeout=hold_seconds)

    def run_second():
        assert first_done.wait(timeout=30)
        try:
            second()
        except Exception as error:  # what the test asserts on (a refusal, say)
            raised.append(error)
        finally:
            second_finished.set()

    threads = [in_thread(run_first, errors), in_thread(run_second, errors)]
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return raised
