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
from concurrent.futures import ProcessPoolExecutor
from typing import Protocol

from allocator.assemble import build_result, with_adjustment_cost
from allocator.cpsat import Component, ComponentSolution, SolverSettings, components
from allocator.cpsat import solve_component as _solve_component
from allocator.heuristics import greedy, improve_by_moves
from allocator.prepare import Instance, prepare
from models import AllocationResult, Options, Policy, ProblemData


class Progress(Protocol):
    """Called as ``progress(done, total, elapsed_seconds)`` after each solved sub-problem
    (``done`` of ``total`` sub-problems, seconds since the run began)."""

    def __call__(self, done: int, total: int, elapsed: float, /) -> None: ...


POOL_CONTEXT = "spawn"
"""Worker processes start fresh: safe when the caller runs threads (a web server),
and the same on Linux, macOS and Windows."""


def allocate(
    data: ProblemData,
    policy: Policy,
    options: Options,
    progress: Progress | None = None,
) -> AllocationResult:
    """Propose who takes each waiting child, keeping every rule of the policy.

    The greedy baseline (what a manager does by hand) is the first proposal and
    hint; then, per independent sub-problem, the CP-SAT model minimises in
    order: children left waiting (statutory work first), sibling groups split,
    ``sum load**2 / capacity`` (the data contract's objective), and moves,
    continuity and locality. Every child gets a one-sentence reason.

    Parameters
    ----------
    data
        Teams, workers and children (from :func:`read_data`, or built in Python).
    policy
        The rules in force (``models.load_policy``).
    options
        What the user decides: as-of date, limits, seed, release, rebalance.
    progress
        Called as ``progress(done, total, elapsed_seconds)`` after each solved
        sub-problem (a team, or teams sharing workers).

    Returns
    -------
    AllocationResult
        One row per child (input order) and per worker (input order), findings,
        candidates, fairness per team, the objective in weight units squared per
        FTE and its bound, and the input itself (``data``, ``policy``, ``options``).
        Status ``optimal`` only when proven.

    Raises
    ------
    KeyError
        A team's service is not in the policy (:func:`read_data` with the policy
        reports it as bad input instead).

    Examples
    --------
    >>> from datetime import date
    >>> from models import Child, Options, ProblemData, Role, Team, Worker, load_policy
    >>> data = ProblemData(
    ...     teams=(Team(team_id="T1", service="cin"),),
    ...     workers=(
    ...         Worker(worker_id="W1", team_id="T1", role=Role.SOCIAL_WORKER, fte=1),
    ...         Worker(worker_id="W2", team_id="T1", role=Role.SOCIAL_WORKER, fte=0.5),
    ...     ),
    ...     children=tuple(Child(child_id=f"C{i}", team_id="T1", category="cin") for i in range(3)),
    ... )
    >>> result = allocate(data, load_policy("default"), Options(as_of=date(2026, 11, 23)))
    >>> result.status.value, [a.worker_id for a in result.allocations]
    ('optimal', ['W1', 'W1', 'W2'])

    Notes
    -----
    With ``options.processes > 1`` sub-problems are solved in processes started
    fresh (``spawn``), which is safe under threads. As with any
    ``multiprocessing`` program, a script that does this must guard its entry
    point with ``if __name__ == "__main__":``, since each process imports it.
    """
    return solve(data, policy, options, progress)


def solve(
    data: ProblemData,
    policy: Policy,
    options: Options,
    progress: Progress | None = None,
    settings: SolverSettings | None = None,
) -> AllocationResult:
    """:func:`allocate` with the model's tuning (``settings``) open to benchmarks and tests.

    With the manager's adjustments in ``data``, the batch is also solved without them,
    to report what they cost (balance, bands, children waiting).
    """
    settings = settings or SolverSettings()
    result = _solve_once(data, policy, options, progress, settings)
    if data.adjustments:
        plain = data.model_copy(update={"adjustments": ()})
        without = _solve_once(plain, policy, options, None, settings)
        result = with_adjustment_cost(result, without)
    return result


def _solve_once(
    data: ProblemData,
    policy: Policy,
    options: Options,
    progress: Progress | None,
    settings: SolverSettings,
) -> AllocationResult:
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
