"""A straightforward CP-SAT model of NPAP: the baseline the allocator is timed against.

The model is what one writes on a first attempt, with none of the allocator's
techniques (no decomposition by zone, no symmetry breaking, no hint, no bound,
one search worker):

- ``x[p, n]`` in {0, 1} for every patient ``p`` and every nurse ``n`` of the same zone;
- ``sum_n x[p, n] = 1`` for every patient (one nurse of its zone);
- ``min_patients <= sum_p x[p, n] <= 3`` for every nurse (``min_patients = 0`` by
  default: the allocator's rules have a count cap and no minimum);
- ``load_n = sum_p acuity_p x[p, n] <= 105``;
- ``square_n = load_n * load_n`` (``add_multiplication_equality``);
- minimise ``sum_n square_n``, one model over all zones.

Nurses are split between zones by the same staffing rule as the allocator
(:func:`allocator.io.npap.read_npap`), so both solve the same problem.

Run alone: ``python benchmarks/naive.py shared/benchmarks/npap/pathological.txt --time-limit 10``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

from ortools.sat.python import cp_model

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from allocator.io.npap import ACUITY_PER_NURSE, PATIENTS_PER_NURSE, read_npap  # noqa: E402

STATUS = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "model_invalid",
    cp_model.UNKNOWN: "unknown",
}


def build_naive(path: Path, min_patients: int = 0) -> tuple[cp_model.CpModel, int, int]:
    """The naive model of one NPAP file, with its number of nurses and patients."""
    data, _policy = read_npap(path)
    model = cp_model.CpModel()
    nurses_of: dict[str, list[str]] = {}
    for worker in data.workers:
        nurses_of.setdefault(worker.team_id, []).append(worker.worker_id)
    assign: dict[tuple[str, str], cp_model.IntVar] = {}
    for patient in data.children:
        for nurse in nurses_of[patient.team_id]:
            assign[patient.child_id, nurse] = model.new_bool_var(f"x[{patient.child_id},{nurse}]")
        model.add_exactly_one(assign[patient.child_id, n] for n in nurses_of[patient.team_id])
    squares = []
    for worker in data.workers:
        mine = [
            (p, assign[p.child_id, worker.worker_id])
            for p in data.children
            if p.team_id == worker.team_id
        ]
        count = sum(x for _, x in mine)
        model.add(count <= PATIENTS_PER_NURSE)
        if min_patients > 0:
            model.add(count >= min_patients)
        load = model.new_int_var(0, ACUITY_PER_NURSE, f"load[{worker.worker_id}]")
        model.add(load == sum(round(p.weight or 0) * x for p, x in mine))
        square = model.new_int_var(0, ACUITY_PER_NURSE**2, f"square[{worker.worker_id}]")
        model.add_multiplication_equality(square, [load, load])
        squares.append(square)
    model.minimize(sum(squares))
    return model, len(data.workers), len(data.children)


def solve_naive(path: Path, time_limit: float, seed: int = 0, min_patients: int = 0) -> dict:
    """Build and solve the naive model; wall-clock times include building it."""
    started = time.perf_counter()
    model, nurses, patients = build_naive(path, min_patients)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = time_limit
    status = solver.solve(model)
    seconds = time.perf_counter() - started
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return {
        "status": STATUS.get(status, str(status)),
        "objective": solver.objective_value if found else None,
        "best_bound": solver.best_objective_bound if found else None,
        "seconds": seconds,
        "solver_seconds": solver.wall_time,
        "nurses": nurses,
        "patients": patients,
        "variables": len(model.proto.variables),
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="an NPAP instance file")
    parser.add_argument("--time-limit", type=float, default=60.0, help="wall-clock seconds")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--min-patients",
        type=int,
        default=0,
        help="least patients per nurse (the README's rule is 1; the allocator's 0)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args(argv)
    out = solve_naive(args.path, args.time_limit, args.seed, args.min_patients)
    if args.json:
        print(json.dumps(out))
    else:
        for key, value in out.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
