"""Assemble the ``AllocationResult`` from the final assignment: rows, findings, bound."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from typing import Any

from allocator.cpsat import PROVED_STAGES, Component, ComponentSolution, SolverSettings
from allocator.explain import candidates_for, fairness, findings, reason
from allocator.holdings import Holdings
from allocator.prepare import Instance, WorkerInfo
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
    """Kept, allocated, moved or unallocated; a child reallocated while its worker is on
    long leave is allocated (temporary cover), not moved."""
    current = inst.children[c].current
    if w is None:
        return ChildStatus.UNALLOCATED
    if current is None:
        return ChildStatus.ALLOCATED
    if current == w:
        return ChildStatus.KEPT
    if inst.workers[current].release_cause == "long_leave":
        return ChildStatus.ALLOCATED
    return ChildStatus.MOVED


def crossed(inst: Instance, holdings: Holdings, w: int) -> list[str]:
    """Approval thresholds the proposal takes worker ``w`` across, as ``name (approver)``."""
    info = inst.workers[w]
    out = []
    for a in info.approvals:
        if a.measure == "children":
            after, before = float(holdings.count[w]), float(info.children_before)
        else:
            after, before = holdings.load(w), info.load_before
        if after > max(a.limit, before) + 1e-9:
            out.append(f"{a.name} ({a.approver.replace('_', ' ')})")
    return out


def _cover(inst: Instance, c: int, w: int | None) -> tuple[str | None, date | None]:
    """``(cover_for, cover_until)`` of a child placed as interim cover."""
    ch = inst.children[c]
    if w is None or not ch.cover_for or w in ch.cover_for:
        return None, None
    intended = inst.workers[ch.cover_for[0]]
    return intended.worker_id, intended.away.returns if intended.away else None


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
    # The greedy baseline's tally: often the final assignment itself (nothing improved it).
    greedy_held = holdings if list(baseline) == list(final) else Holdings(inst, baseline)
    value = holdings.objective()
    bound = _bound(inst, holdings, comps, solutions, value)
    allocations = []
    candidates: list[Candidate] = []
    crossings = {w.index: crossed(inst, holdings, w.index) for w in inst.workers if w.approvals}
    for ch in inst.children:
        w = final[ch.index]
        child_state = child_status(inst, ch.index, w)
        cover_for, cover_until = _cover(inst, ch.index, w)
        approval = crossings.get(w) if w is not None and w != ch.current else None
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
                cover_for=cover_for,
                cover_until=cover_until,
                needs_approval="; ".join(approval) if approval else None,
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
        greedy_objective=round(greedy_held.objective(), 6),
        stats={
            **_stats(inst, greedy_held, comps, solutions, found),
            "solver": asdict(settings),
            "team_averages": team_averages(inst, holdings),
        },
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
    closing = Counter(
        ch.current for ch in inst.children if not ch.active and ch.current is not None
    )
    rows = []
    for w in inst.workers:
        i = w.index
        children, load, cases = holdings.count[i], holdings.load(i), len(holdings.cases[i])
        available = w.fte_available
        per_fte = children / available if available > 0 else 0.0
        shares = [
            (children / w.count_cap, "children") if w.count_cap else None,
            (load / w.load_cap, "load") if w.load_cap else None,
            (cases / w.cases_cap, "cases") if w.cases_cap else None,
            *_mix_shares(w, holdings.category[i]),
        ]
        binding = max((s for s in shares if s is not None), default=(0.0, ""))
        band = (
            inst.policy.band(per_fte, load / available if available > 0 else 0.0)
            if w.capacity > 0
            else "no_cases"
        )
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
                children_after=children,
                load_before=round(w.load_before, 4),
                load_after=load,
                new_children=holdings.arrivals[i],
                band=band,
                reduction=(f"{w.reduction:g}: {w.reduction_reason}" if w.reduction else ""),
                fte_available=available,
                children_per_fte=round(per_fte, 4),
                cases_after=cases,
                awaiting_closure=closing[i],
                utilisation=round(binding[0], 4),
                binding_cap=binding[1],
                absence=absence_words(w),
            )
        )
    return rows


def _mix_shares(w: WorkerInfo, held: Mapping[str, int]) -> list[tuple[float, str]]:
    """Share of each caseload-mix cap in force (Merton 002 s.2.4), named ``mix:<category>``.

    A worker holding two or more of the mix's categories is under the mixed caps, one
    holding only one under that category's own cap.
    """
    counts = {k: held.get(k, 0) for k in w.mix_only}
    mixed = sum(1 for n in counts.values() if n) > 1
    shares = []
    for cat, n in counts.items():
        cap = w.mix_mixed[cat] if mixed else w.mix_only[cat]
        if n and cap > 0:
            shares.append((n / cap, f"mix:{cat}"))
    return shares


def absence_words(w: WorkerInfo) -> str:
    """``away until 2026-12-07 (annual leave)``, ``leave from ...``, or empty."""
    if w.away is not None:
        back = w.away.returns.isoformat() if w.away.returns else "no return date"
        return f"away until {back} ({w.away.reason})"
    if w.leave_soon is not None:
        return f"leave from {w.leave_soon.start.isoformat()} ({w.leave_soon.reason})"
    return ""


def team_averages(inst: Instance, holdings: Holdings) -> list[dict[str, Any]]:
    """Per team: children per FTE after reductions, against the service's target average
    (Barnet 001 s.4 table and s.5 item 6: "Average Caseloads of staff per team need to
    be reviewed by SMT monthly"; Sutton 000: "an average caseload of 18 children")."""
    out = []
    for team in inst.data.teams:
        holders = [w for w in inst.team_workers[team.team_id] if inst.workers[w].capacity > 0]
        fte = sum(inst.workers[w].fte_available for w in holders)
        children = sum(holdings.count[w] for w in holders)
        target = inst.policy.services[team.service].target_children_per_fte
        average = children / fte if fte > 0 else None
        out.append(
            {
                "team_id": team.team_id,
                "service": team.service,
                "fte": round(fte, 4),
                "children": children,
                "children_per_fte": None if average is None else round(average, 2),
                "target_children_per_fte": target,
                "difference": None
                if average is None or target is None
                else round(average - target, 2),
            }
        )
    return out


def _stats(
    inst: Instance,
    greedy: Holdings,
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
            1 for ch in inst.children if ch.movable and greedy.assignment[ch.index] is None
        ),
        "greedy_children": _greedy_children(inst, greedy),
        "weight_unit": inst.weight_unit,
        "wall_limited": any(s.wall_limited for s in sols),
        "proof": _proof_routes(sols),
    }


PROOF_ROUTES = ("proof", "cp-sat+proof", "cp-sat", "unproven")


def _proof_routes(sols: list[ComponentSolution]) -> dict[str, Any]:
    """How the balance and complexity stages were settled: sub-problems per route (the
    proof stage alone, CP-SAT then the proof, CP-SAT alone, or not proven: stopped at
    a limit or the gap) and the reasons the proof gave for not settling a stage, most
    common first."""
    out: dict[str, Any] = {stage: dict.fromkeys(PROOF_ROUTES, 0) for stage in PROVED_STAGES}
    notes: Counter[str] = Counter()
    for sol in sols:
        for st in sol.stages:
            route = st.route if st.status in ("optimal", "fixed") else "unproven"
            if st.name in out and route in out[st.name]:
                out[st.name][route] += 1
                if st.note:
                    notes[f"{st.name}: {st.note}"] += 1
    out["notes"] = [note for note, _ in notes.most_common()]
    return out


def with_adjustment_cost(result: AllocationResult, without: AllocationResult) -> AllocationResult:
    """``result`` with what the manager's adjustments cost against ``without`` them:
    ``stats["adjustments"]`` and an ``adjustment_cost`` finding."""
    bands_with = Counter(w.band for w in result.workers if w.band not in ("within", "no_cases"))
    bands_without = Counter(w.band for w in without.workers if w.band not in ("within", "no_cases"))
    objective_with = result.objective or 0.0
    objective_without = without.objective or 0.0
    extra = objective_with - objective_without
    percent = 100 * extra / objective_without if objective_without else 0.0
    waiting = result.children_unallocated - without.children_unallocated
    band_changes = {
        band: bands_with[band] - bands_without[band]
        for band in sorted(set(bands_with) | set(bands_without))
        if bands_with[band] != bands_without[band]
    }
    cost = {
        "adjustments": [a.model_dump(mode="json") for a in result.data.adjustments],
        "objective_with": round(objective_with, 6),
        "objective_without": round(objective_without, 6),
        "objective_difference": round(extra, 6),
        "objective_difference_percent": round(percent, 4),
        "children_unallocated_difference": waiting,
        "workers_in_bands_difference": band_changes,
    }
    parts = [f"balance objective {extra:+.2f} ({percent:+.2f}%)"]
    if waiting:
        parts.append(f"{waiting:+d} children waiting")
    parts += [f"{n:+d} workers in {band}" for band, n in band_changes.items()]
    n = len(result.data.adjustments)
    message = (
        f"the manager's {n} adjustment{'s' if n != 1 else ''} cost, against the proposal "
        f"without them: {', '.join(parts)}"
    )
    found = (*result.findings, Finding(kind="adjustment_cost", entities=(), message=message))
    return result.model_copy(
        update={"findings": found, "stats": {**result.stats, "adjustments": cost}}
    )


def _greedy_children(inst: Instance, greedy: Holdings) -> dict[str, int]:
    """Children each case-holding worker would hold under the greedy baseline (what a
    manager does by hand), so reports can compare it with the proposal per FTE."""
    return {w.worker_id: greedy.count[w.index] for w in inst.workers if w.capacity > 0}
