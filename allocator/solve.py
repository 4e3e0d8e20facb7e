"""From validated data, a policy and options to an ``AllocationResult``."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context

from allocator.cpsat.components import components
from allocator.cpsat.model import ComponentSolution, solve_component
from allocator.cpsat.variables import Component
from allocator.greedy import greedy
from allocator.instance import Instance, Options, prepare
from allocator.moves import improve_by_moves
from allocator.report import build_result
from models import AllocationResult, Policy, ProblemData

Progress = Callable[[int, int, float], None]
"""``progress(done, total, elapsed_seconds)`` after each solved component."""


def allocate(
    data: ProblemData,
    policy: Policy,
    options: Options,
    progress: Progress | None = None,
) -> AllocationResult:
    """Propose an allocation: greedy baseline, then the CP-SAT model per component.

    Examples
    --------
    >>> from datetime import date
    >>> from allocator.example import generate_authority
    >>> from models import load_policy
    >>> policy = load_policy("barnet")
    >>> data = generate_authority(policy, new_referrals=10, case_holding_fte=12)
    >>> allocate(data, policy, Options(as_of=date(2026, 11, 23))).status.value
    'optimal'
    """
    started = time.perf_counter()
    deadline = time.monotonic() + options.time_limit
    inst = prepare(data, policy, options)
    baseline = greedy(inst)
    start = baseline
    if options.rebalance:
        # Place the new referrals team by team first (fast, exact), then make the
        # best single moves; the coupled rebalancing model starts from there.
        by_team = prepare(data, policy, replace(options, rebalance=False, max_moves=0))
        start, _, _ = _solve(by_team, baseline, started, deadline, None)
        start = improve_by_moves(inst, start, options.max_moves)
    final, comps, solutions = _solve(inst, start, started, deadline, progress)
    return build_result(inst, final, baseline, comps, solutions, time.perf_counter() - started)


def _solve(
    inst: Instance,
    start: list[int | None],
    started: float,
    deadline: float,
    progress: Progress | None,
) -> tuple[list[int | None], list[Component], list[ComponentSolution]]:
    """Solve every component from ``start``; the final assignment of every child."""
    comps = components(inst)
    solutions = _solve_all(inst, comps, start, started, deadline, progress)
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
) -> list[ComponentSolution]:
    total = len(comps)
    out: list[ComponentSolution] = []
    if inst.options.processes > 1 and total > 1:
        context = get_context("fork")
        with ProcessPoolExecutor(inst.options.processes, mp_context=context) as pool:
            futures = [
                pool.submit(solve_component, inst, comp, _hint(comp, baseline), deadline)
                for comp in comps
            ]
            for done, future in enumerate(futures, 1):
                out.append(future.result())
                if progress:
                    progress(done, total, time.perf_counter() - started)
        return out
    for done, comp in enumerate(comps, 1):
        out.append(solve_component(inst, comp, _hint(comp, baseline), deadline))
        if progress:
            progress(done, total, time.perf_counter() - started)
    return out
