"""The output folder: ``allocations.csv``, ``workers.csv``, ``summary.json`` (the
contract), plus ``candidates.csv`` and ``findings.csv`` (extensions)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from allocator.instance import Options
from allocator.io import OUTPUT_FILES, atomic_folder, write_csv, write_json
from models import AllocationResult, Policy, ProblemData

ALLOCATION_COLUMNS = [
    "child_id",
    "worker_id",
    "team_id",
    "status",
    "weight",
    "reason",
    "worker_before",
]
WORKER_COLUMNS = [
    "worker_id",
    "team_id",
    "fte",
    "capacity",
    "max_children",
    "children_before",
    "children_after",
    "load_before",
    "load_after",
    "role",
    "max_load",
    "accepting",
    "new_children",
    "utilisation",
    "load_per_fte",
    "band",
    "reduction",
]
CANDIDATE_COLUMNS = ["child_id", "worker_id", "verdict", "rule", "detail"]
FINDING_COLUMNS = ["kind", "entities", "message"]

TIMING_KEYS = ("solve_seconds", "stage_seconds")
"""The only fields of ``summary.json`` that differ between identical runs."""


def input_hash(data: ProblemData) -> str:
    """SHA-256 of the data's canonical JSON: the same data gives the same hash
    whether it came from CSV files or a workbook."""
    text = json.dumps(data.model_dump(exclude={"source"}), sort_keys=True, default=_canonical)
    return hashlib.sha256(text.encode()).hexdigest()


def _canonical(value: object) -> object:
    if isinstance(value, frozenset | set):
        return sorted(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[attr-defined]
    raise TypeError(f"cannot hash {type(value).__name__}")


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def summary(
    result: AllocationResult, data: ProblemData, policy: Policy, options: Options
) -> dict[str, Any]:
    """``summary.json``: the contract's fields, the human summary's figures, and what
    reproduces the run (input hash, policy in force, versions, seed, options)."""
    bands: dict[str, int] = {}
    for w in result.workers:
        if w.band not in ("within", "no_cases"):
            bands[w.band] = bands.get(w.band, 0) + 1
    kinds: dict[str, int] = {}
    for f in result.findings:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    improvement = None
    if result.greedy_objective and result.objective is not None and result.greedy_objective > 0:
        improvement = round(
            100 * (result.greedy_objective - result.objective) / result.greedy_objective, 3
        )
    opts = {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in dataclasses.asdict(options).items()
    }
    opts["release"] = list(options.release)
    stats = dict(result.stats)
    stage_seconds = stats.pop("stage_seconds", {})
    return {
        "status": result.status.value,
        "objective": result.objective,
        "best_bound": result.best_bound,
        "gap": None if result.gap is None else round(result.gap, 6),
        "solve_seconds": result.solve_seconds,
        "stage_seconds": stage_seconds,
        "children_allocated": result.children_allocated,
        "children_unallocated": result.children_unallocated,
        "children_kept": sum(a.status.value == "kept" for a in result.allocations),
        "children_moved": sum(a.status.value == "moved" for a in result.allocations),
        "children_total": len(result.allocations),
        "workers_above_threshold": bands,
        "sibling_groups_split": stats.get("sibling_groups_split", 0),
        "greedy_objective": result.greedy_objective,
        "improvement_over_greedy_percent": improvement,
        "findings": kinds,
        "fairness": [f.model_dump() for f in result.fairness],
        "model": stats,
        "reproduce": {
            "input_hash": input_hash(data),
            "policy": policy.model_dump(mode="json"),
            "options": opts,
            "caseload_version": _version("caseload"),
            "ortools_version": _version("ortools"),
            "python_version": platform.python_version(),
            "seed": options.seed,
        },
    }


def write_outputs(out: Path, result: AllocationResult, summary_data: dict[str, Any]) -> None:
    """Write every output file into ``out`` at once (nothing half-written)."""
    with atomic_folder(out, allowed=OUTPUT_FILES) as tmp:
        write_csv(
            tmp / "allocations.csv",
            ALLOCATION_COLUMNS,
            ({**a.model_dump(), "status": a.status.value} for a in result.allocations),
        )
        write_csv(
            tmp / "workers.csv",
            WORKER_COLUMNS,
            (
                {
                    **w.model_dump(),
                    "utilisation": round(w.utilisation, 4),
                    "load_per_fte": round(w.load_per_fte, 4),
                }
                for w in result.workers
            ),
        )
        write_json(tmp / "summary.json", summary_data)
        write_csv(
            tmp / "candidates.csv", CANDIDATE_COLUMNS, (c.model_dump() for c in result.candidates)
        )
        write_csv(
            tmp / "findings.csv",
            FINDING_COLUMNS,
            ({**f.model_dump(), "entities": ";".join(f.entities)} for f in result.findings),
        )
