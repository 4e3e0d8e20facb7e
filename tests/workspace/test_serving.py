"""Tests for workspace/serving.py: the solver processes are kept at full strength."""

from __future__ import annotations

import multiprocessing

from workspace.serving import replace_dead_solvers, stop_solvers


def test_a_solver_that_died_is_replaced(settings):
    """A solver process that ended (killed, out of memory) is replaced by a new one."""
    dead = multiprocessing.get_context("spawn").Process(target=int)
    dead.start()
    dead.join()
    processes = [dead]
    try:
        assert replace_dead_solvers(settings, processes) == 1
        assert processes[0] is not dead and processes[0].is_alive()
        assert replace_dead_solvers(settings, processes) == 0
    finally:
        stop_solvers(processes)
    assert not processes[0].is_alive()
