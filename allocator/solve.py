"""``allocate``: from validated data, a policy and options to an ``AllocationResult``.

The run, in order: prepare the instance; the greedy baseline (what a manager
does by hand, and the first hint); for a rebalance, the team-by-team placement
and steepest-descent moves; then the CP-SAT model of every independent
sub-problem (component), side by side when ``options.processes > 1``; then the
result, its reasons and findings.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from allocator.assemble import build_result
from allocator.cpsat import Component, ComponentSolution, SolverSettings, components
from allocator.cpsat import solve_component as _solve_component
from allocator.heuristics import greedy, improve_by_moves
from allocator.prepare import Instance, prepare
from models import AllocationResult, Options, Policy, ProblemData

Progress = Callable[[int, int, float], None]
"""``progress(done, total, elapsed_seconds)`` after each solved sub-problem."""

POOL_CONTEXT = "spawn"
"""Worker processes start fresh: safe when the caller runs threads (a web server),
and the same on Linux, macOS and Windows."""


def allocate(
    data: ProblemData,
    policy: Policy,
    options: Options,
    progress: Progress | None = None,
    *,
    settings: SolverSettings | None = None,
) -> AllocationResult:
    """Propose an allocation: greedy baseline, then the CP-SAT model per component.

    ``settings`` tunes the model (benchmarks compare them); the defaults are
    what the benchmarks measured best. See :func:`allocator.allocate`.
    """
    settings = settings or SolverSettings()
    started = time.perf_counter()
    deadline = time.monotonic() + options.time_limit
    inst = prepare(data, policy, options)
    baseline = greedy(inst)
    start = baseline
    if options.rebalance:
        # Place the new referrals team by team first (fast, exact), then make the
        # best single moves; the coupled rebalancing model starts from there.
        by_team = prepare(
            data, policy, options.model_copy(update={"rebalance": False, "max_moves": 0})
        )
        start, _, _ = _solve(by_team, baseline, started, deadline, None, settings)
        start = improve_by_moves(inst, start, options.max_moves)
    final, comps, solutions = _solve(inst, start, started, deadline, progress, settings)
    seconds = time.perf_counter() - started
    return build_result(inst, final, baseline, comps, solutions, seconds, settings)


def _solve(
    inst: Instance,
    start: list[int | None],
    started: float,
    deadline: float,
    progress: Progress | None,
    settings: SolverSettings,
) -> tuple[list[int | None], list[Component], list[ComponentSolution]]:
    """Solve every component from ``start``; the final assignment of every child."""
    comps = components(inst, settings.decompose)
    solutions = _solve_all(inst, comps, start, started, deadline, progress, settings)
    final = list(start)
    for sol in solutions:
        for c, w in sol.assignment.items():
            final[c] = w
    return final, comps, solutions


def _hint(comp: Component, baseline: list[int | None]) -> dict[int, int | None]:
    return {c: baseline[c] for c in comp.children}


def _solve_all(
    inst: Instance,
    comps: list[Component],
    baseline: list[int | None],
    started: float,
    deadline: float,
    progress: Progress | None,
    settings: SolverSettings,
) -> list[ComponentSolution]:
    """Each component's solution, in component order whichever way they run."""
    total = len(comps)
    out: list[ComponentSolution] = []
    if inst.options.processes > 1 and total > 1:
        context = multiprocessing.get_context(POOL_CONTEXT)
        workers = min(inst.options.processes, total)
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_set_instance, initargs=(inst,)
        ) as pool:
            futures = [
                pool.submit(_solve_in_worker, comp, _hint(comp, baseline), deadline, settings)
                for comp in comps
            ]
            for done, future in enumerate(futures, 1):
                out.append(future.result())
                if progress:
                    progress(done, total, time.perf_counter() - started)
        return out
    for done, comp in enumerate(comps, 1):
        out.append(_solve_component(inst, comp, _hint(comp, baseline), deadline, settings))
        if progress:
            progress(done, total, time.perf_counter() - started)
    return out


_WORKER_INSTANCE: Instance | None = None
"""The instance a pool worker solves components of (sent once, at start-up)."""


def _set_instance(inst: Instance) -> None:
    global _WORKER_INSTANCE
    _WORKER_INSTANCE = inst


def _solve_in_worker(
    comp: Component, hint: dict[int, int | None], deadline: float, settings: SolverSettings
) -> ComponentSolution:
    assert _WORKER_INSTANCE is not None, "pool worker started without its instance"
    return _solve_component(_WORKER_INSTANCE, comp, hint, deadline, settings)
