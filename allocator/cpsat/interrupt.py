"""Ctrl-C during a CP-SAT search: stop the search at once, then stop the run.

CP-SAT can catch SIGINT itself, but then it ends the search as if a limit had come
and the run would go on to publish a proposal searched in part. The engine turns
that off (``catch_sigint_signal = False``) so Python's own handler raises
``KeyboardInterrupt`` when the search returns, and a watcher thread, woken through
:func:`signal.set_wakeup_fd`, asks every running search to stop so it returns at once.
The watcher is installed only in the main thread of a program that has no wake-up
file of its own (an asyncio server keeps its own and is left alone).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator

from ortools.sat.python import cp_model

_RUNNING: set[cp_model.CpSolver] = set()
_LOCK = threading.Lock()
_WATCHING = False
_STOPS = {int(signal.SIGINT), int(signal.SIGTERM)}


@contextlib.contextmanager
def stoppable(solver: cp_model.CpSolver) -> Iterator[None]:
    """Run a search inside this block so a Ctrl-C or SIGTERM stops it at once.

    CP-SAT's own catching of SIGINT is switched off for ``solver``; when the signal
    comes, the search is asked to stop and Python raises ``KeyboardInterrupt`` (or the
    program's SIGTERM handler runs) as ``solve`` returns, so the caller never mistakes
    a half-searched model for a limit reached. Any code that runs a CP-SAT model of its
    own (the planner's ``plan-teams``) should solve inside this block.

    Examples
    --------
    >>> from ortools.sat.python import cp_model
    >>> model = cp_model.CpModel()
    >>> x = model.new_int_var(0, 3, "x")
    >>> model.maximize(x)
    >>> solver = cp_model.CpSolver()
    >>> with stoppable(solver):
    ...     status = solver.solve(model)
    >>> solver.value(x), solver.parameters.catch_sigint_signal
    (3, False)
    """
    solver.parameters.catch_sigint_signal = False
    _watch()
    with _LOCK:
        _RUNNING.add(solver)
    try:
        yield
    finally:
        with _LOCK:
            _RUNNING.discard(solver)


def _watch() -> None:
    """Start the watcher once, where it can be (main thread, no wake-up file yet)."""
    global _WATCHING
    if _WATCHING or threading.current_thread() is not threading.main_thread():
        return
    read, write = os.pipe()
    os.set_blocking(write, False)
    try:
        earlier = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    except ValueError:
        earlier = -1
        os.close(read)
        os.close(write)
        return
    if earlier != -1:  # someone else listens: leave them be
        signal.set_wakeup_fd(earlier)
        os.close(read)
        os.close(write)
        return
    _WATCHING = True
    threading.Thread(target=_stop_on_signal, args=(read,), daemon=True).start()


def _stop_on_signal(read: int) -> None:
    while True:
        got = os.read(read, 64)
        if not got:
            return
        if _STOPS & set(got):
            with _LOCK:
                for solver in _RUNNING:
                    solver.stop_search()
