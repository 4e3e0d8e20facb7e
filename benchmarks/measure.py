"""One benchmark measurement, run in a fresh process by ``benchmarks/run.py``.

``python benchmarks/measure.py '<json spec>'`` loads one instance, runs
``allocate`` on it, and prints one line ``BENCH-RESULT {...}`` with the
wall-clock times, the result's figures, the continuous lower bound and the
process's peak memory. A fresh process per instance keeps ``ru_maxrss`` (the
peak resident set) per instance.

Spec keys: ``kind`` (``npap``, ``synthetic`` or ``naive``), ``name``, and
``path`` (npap, naive) or ``generate`` (keyword arguments of
``generate_authority``); ``mode`` (``allocate``, ``rebalance``, ``release``),
``time_limit``, ``processes``, ``threads``, ``max_moves``.
"""

from __future__ import annotations

import json
import resource
import sys
import time
import traceback
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, Path(__file__).resolve().parent):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

AS_OF = date(2026, 11, 23)
"""Allocation date of every run (the generator's default ``as_of``)."""
MARK = "BENCH-RESULT "


def peak_mb() -> float:
    """Peak resident set of this process and of any waited-for child (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def options(spec: dict[str, Any], **extra: Any):  # -> models.Options
    """``Options`` for the spec, passing only fields this version of the engine has."""
    from models import Options

    wanted: dict[str, Any] = {
        "as_of": AS_OF,
        "time_limit": spec["time_limit"],
        "processes": spec.get("processes", 1),
        "threads": spec.get("threads", 1),
        # NPAP must be proven; synthetic instances run as a user runs them (default gap).
        "gap_limit": spec.get("gap_limit", 0.0 if spec.get("kind") == "npap" else 1e-4),
    }
    if spec.get("mode") == "rebalance":
        wanted.update(rebalance=True, max_moves=spec.get("max_moves", 100))
    wanted.update(extra)
    known = set(Options.model_fields)
    return Options(**{k: v for k, v in wanted.items() if k in known})


def load(spec: dict[str, Any]):
    """``(data, policy)`` of the spec's instance."""
    if spec["kind"] == "npap":
        from allocator.io.npap import read_npap

        return read_npap(Path(spec["path"]))
    from models import load_policy
    from scenarios import generate_authority

    policy = load_policy(spec.get("policy", "barnet"))
    return generate_authority(policy, **spec["generate"]), policy


def released_worker(data, policy, spec: dict[str, Any]) -> str:
    """The accepting case-holding worker with the most children (ties: input order)."""
    from allocator.prepare import prepare

    inst = prepare(data, policy, options(spec))
    holders = [w for w in inst.workers if w.accepting and w.case_holding]
    return max(holders, key=lambda w: (w.children_before, -w.index)).worker_id


def continuous_bound(inst, result) -> float:
    """Water-filling lower bound on ``sum load**2 / capacity`` for the proposal's totals.

    Per team, the load the proposal places on the workers who can receive
    children (accepting case holders; in rebalance mode every case holder not
    released) is spread continuously over them, each keeping at least the load
    of the children it holds that may not move (``water_filling`` with
    ``coefs = 1 / capacity``). Every other case holder adds its own
    ``load**2 / capacity``. Weights are the proposal's (sibling discounts applied).
    """
    from allocator.cpsat.bounds import water_filling

    load_after = {row.worker_id: row.load_after for row in result.workers}
    kept: dict[str, float] = defaultdict(float)
    for row, child in zip(result.allocations, inst.children, strict=True):
        if row.worker_id is not None and not child.movable:
            kept[row.worker_id] += row.weight
    rebalance = inst.options.rebalance
    teams: dict[str, list] = defaultdict(list)
    bound = 0.0
    for w in inst.workers:
        if w.capacity <= 0:
            continue
        if w.accepting or (rebalance and not w.released):
            teams[w.team_id].append(w)
        else:
            bound += load_after[w.worker_id] ** 2 / w.capacity
    for members in teams.values():
        total = sum(load_after[w.worker_id] for w in members)
        floors = [kept[w.worker_id] for w in members]
        coefs = [1 / w.capacity for w in members]
        bound += water_filling(total, floors, coefs)
    return bound


def run_allocator(spec: dict[str, Any]) -> dict[str, Any]:
    """Time ``allocate`` on the spec's instance; greedy's return marks the first proposal."""
    import allocator.solve as solve_module
    from allocator.prepare import prepare
    from models import ChildStatus

    loaded = time.perf_counter()
    data, policy = load(spec)
    load_seconds = time.perf_counter() - loaded
    extra: dict[str, Any] = {}
    out: dict[str, Any] = {}
    if spec.get("mode") == "release":
        extra["release"] = (released_worker(data, policy, spec),)
        out["released"] = extra["release"][0]
    opts = options(spec, **extra)

    marks: list[float] = []
    original = getattr(solve_module, "greedy", None)
    if original is not None:

        def timed_greedy(*args: Any, **kwargs: Any):
            proposal = original(*args, **kwargs)
            marks.append(time.perf_counter())
            return proposal

        solve_module.greedy = timed_greedy
    else:  # the engine no longer calls greedy by that name: time set-up + greedy apart
        from allocator.heuristics import greedy

        t = time.perf_counter()
        greedy(prepare(data, policy, opts))
        out["first_measured_apart"] = True
        out["first_seconds_apart"] = time.perf_counter() - t

    started = time.perf_counter()
    result = solve_module.allocate(data, policy, opts)
    finished = time.perf_counter()
    if original is not None:
        solve_module.greedy = original

    first = marks[0] - started if marks else out.pop("first_seconds_apart", None)
    inst = prepare(data, policy, opts)
    workers = len(data.workers)
    case_holding = sum(1 for w in inst.workers if w.case_holding)
    new = sum(1 for c in data.children if c.worker_id is None)
    out.update(
        name=spec["name"],
        workers=workers,
        case_holding=case_holding,
        teams=len(data.teams),
        children_new=new,
        children_total=len(data.children),
        allocated=sum(1 for a in result.allocations if a.status is ChildStatus.ALLOCATED),
        moved=sum(1 for a in result.allocations if a.status is ChildStatus.MOVED),
        unallocated=sum(1 for a in result.allocations if a.status is ChildStatus.UNALLOCATED),
        empty_workers=sum(1 for w in result.workers if w.capacity > 0 and w.children_after == 0),
        load_seconds=load_seconds,
        first_seconds=first,
        final_seconds=finished - started,
        solve_seconds=result.solve_seconds,
        status=result.status.value,
        objective=result.objective,
        best_bound=result.best_bound,
        gap=result.gap,
        greedy_objective=result.greedy_objective,
        continuous_bound=continuous_bound(inst, result),
        stats=result.stats,
        unallocated_findings=[f.message for f in result.findings if f.kind == "unallocated"][:3],
    )
    try:
        from allocator import check

        violations = check(data, policy, result)
        out["violations"] = [v.message for v in violations]
    except Exception as exc:  # the checker is not what is measured
        out["violations_error"] = f"{type(exc).__name__}: {exc}"
    return out


def run_naive(spec: dict[str, Any]) -> dict[str, Any]:
    from naive import solve_naive

    out = solve_naive(
        Path(spec["path"]), spec["time_limit"], min_patients=spec.get("min_patients", 0)
    )
    out["name"] = spec["name"]
    return out


def main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    try:
        out = run_naive(spec) if spec["kind"] == "naive" else run_allocator(spec)
    except Exception as exc:
        out = {
            "name": spec.get("name"),
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(limit=8),
        }
    out["peak_mb"] = peak_mb()
    print(MARK + json.dumps(out, default=str), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
