"""The staged solve's helpers: what is handed from one stage to the next."""

from __future__ import annotations

from allocator.cpsat.stages import _relabellings


def test_relabellings_of_many_interchangeable_workers_are_never_listed():
    """30 interchangeable workers (30! orders) give up at once instead of filling memory."""
    workers = list(range(30))
    optimum = {w: w % 7 for w in workers}
    assert _relabellings(optimum, workers, [workers]) is None
    few = _relabellings({0: 1, 1: 1, 2: 2, 3: 5}, [0, 1, 2, 3], [[0, 1, 2]])
    assert few == {(1, 1, 2, 5), (1, 2, 1, 5), (2, 1, 1, 5)}
