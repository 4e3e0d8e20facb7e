"""Assemble the ``AllocationResult`` from the final assignment: rows, findings, bound."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from allocator.cpsat import Component, ComponentSolution, SolverSettings
from allocator.explain import candidates_for, fairness, findings, reason
from allocator.holdings import Holdings
from allocator.prepare import Instance
from models import (
    AllocationResult,
    Candidate,
    ChildAllocation,
    ChildStatus,
    Finding,
    SolveStatus,
    WorkerLoad,
)


def child_status(inst: Instance, c: int, w: int | None) -> ChildStatus:
    current = inst.children[c].current
    if w is None:
        return ChildStatus.UNALLOCATED
    if current is None:
        return ChildStatus.ALLOCATED
    return ChildStatus.KEPT if current == w else ChildStatus.MOVED


def build_result(
    inst: Instance,
    final: list[int | None],
    baseline: list[int | None],
    comps: list[Component],
    solutions: list[ComponentSolution],
    seconds: float,
    settings: SolverSettings,
) -> AllocationResult:
    """Everything the outputs need, computed once from the final assignment."""
    holdings = Holdings(inst, final)
    value = holdings.objective()
    bound = _bound(inst, holdings, comps, solutions, value)
    allocations = []
    candidates: list[Candidate] = []
    for ch in inst.children:
        w = final[ch.index]
        child_state = child_status(inst, ch.index, w)
        allocations.append(
            ChildAllocation(
                child_id=ch.child_id,
                team_id=ch.child.team_id,
                worker_id=inst.workers[w].worker_id if w is not None else None,
                status=child_state,
                weight=holdings.weights[ch.index],
                reason=reason(inst, holdings, ch.index),
                worker_before=inst.workers[ch.current].worker_id
                if ch.current is not None
                else None,
            )
        )
        if child_state is not ChildStatus.KEPT:
            candidates += candidates_for(inst, holdings, ch.index)
    statuses = {s.status for s in solutions}
    found = tuple(findings(inst, holdings))
    status = (
        SolveStatus.ERROR
        if "error" in statuses
        else SolveStatus.FEASIBLE
        if "feasible" in statuses
        else SolveStatus.OPTIMAL
    )
    return AllocationResult(
        data=inst.data,
        policy=inst.policy,
        options=inst.options,
        status=status,
        objective=round(value, 6),
        best_bound=round(bound, 6),
        solve_seconds=round(seconds, 3),
        allocations=tuple(allocations),
        workers=tuple(_worker_rows(inst, holdings)),
        findings=found,
        candidates=tuple(candidates),
        fairness=tuple(fairness(inst, holdings)),
        greedy_objective=round(Holdings(inst, baseline).objective(), 6),
        stats={**_stats(inst, baseline, comps, solutions, found), "solver": asdict(settings)},
    )


def _bound(
    inst: Instance,
    holdings: Holdings,
    comps: list[Component],
    sols: list[ComponentSolution],
    value: float,
) -> float:
    """Objective minus each component's proven gap (workers outside any component are fixed)."""
    gap = 0.0
    for comp, sol in zip(comps, sols, strict=True):
        if sol.bound_true is None:
            continue
        part = sum(
            holdings.load(w) ** 2 / inst.workers[w].capacity
            for w in comp.workers
            if inst.workers[w].capacity > 0
        )
        if sol.bound_true > part * (1 + 1e-9) + 1e-6:
            raise BoundError(
                f"the solver's bound {sol.bound_true:.6f} is above the proposal's objective "
                f"{part:.6f} for teams {', '.join(comp.teams)}: the model cut off a valid "
                "allocation; please report this with the input"
            )
        gap += max(0.0, part - sol.bound_true)
    return max(0.0, value - gap)


class BoundError(RuntimeError):
    """A lower bound above a feasible objective: a modelling error, never expected."""


def _worker_rows(inst: Instance, holdings: Holdings) -> list[WorkerLoad]:
    rows = []
    for w in inst.workers:
        per_fte = holdings.count[w.index] / w.worker.fte
        rows.append(
            WorkerLoad(
                worker_id=w.worker_id,
                team_id=w.team_id,
                role=w.worker.role.value,
                fte=w.worker.fte,
                capacity=w.capacity,
                max_children=w.count_cap,
                max_load=w.load_cap,
                accepting=w.accepting,
                children_before=w.children_before,
                children_after=holdings.count[w.index],
                load_before=round(w.load_before, 4),
                load_after=holdings.load(w.index),
                new_children=holdings.arrivals[w.index],
                band=inst.policy.band(per_fte) if w.capacity > 0 else "no_cases",
                reduction=(f"{w.reduction:g}: {w.reduction_reason}" if w.reduction else ""),
            )
        )
    return rows


def _stats(
    inst: Instance,
    baseline: list[int | None],
    comps: list[Component],
    sols: list[ComponentSolution],
    found: tuple[Finding, ...],
) -> dict[str, Any]:
    stage_time: dict[str, float] = {}
    for sol in sols:
        for st in sol.stages:
            stage_time[st.name] = stage_time.get(st.name, 0.0) + st.seconds
    return {
        "components": len(comps),
        "largest_component_workers": max((len(c.workers) for c in comps), default=0),
        "largest_component_children": max((len(c.children) for c in comps), default=0),
        "variables": sum(s.variables for s in sols),
        "symmetric_workers": sum(s.symmetric_workers for s in sols),
        "exact_coefficients": all(s.exact_coefficients for s in sols),
        "stage_seconds": {k: round(v, 3) for k, v in stage_time.items()},
        "deterministic_time": round(sum(st.deterministic_time for s in sols for st in s.stages), 3),
        "sibling_groups_split": sum(1 for f in found if f.kind == "split"),
        "greedy_unallocated": sum(
            1 for ch in inst.children if ch.movable and baseline[ch.index] is None
        ),
        "greedy_children": _greedy_children(inst, baseline),
        "weight_unit": inst.weight_unit,
        "wall_limited": any(s.wall_limited for s in sols),
    }


def _greedy_children(inst: Instance, baseline: list[int | None]) -> dict[str, int]:
    """Children each case-holding worker would hold under the greedy baseline (what a
    manager does by hand), so reports can compare it with the proposal per FTE."""
    greedy = Holdings(inst, baseline)
    return {w.worker_id: greedy.count[w.index] for w in inst.workers if w.capacity > 0}
