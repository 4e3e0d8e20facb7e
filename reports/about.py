"""What reproduces a run, in words: the About section and sheet, the page footer, and the
solver's standing ("as even as possible", "within 0.01% of the most even possible")."""

from __future__ import annotations

from importlib import metadata
from typing import Any

from models import AllocationResult


def report_version() -> str:
    """The installed caseload's version (the one rendering the report)."""
    try:
        return metadata.version("caseload")
    except metadata.PackageNotFoundError:
        return "unknown"


def solver_words(info: dict[str, Any]) -> str:
    """The solver's standing in plain words, from ``summary.json``'s figures.

    Examples
    --------
    >>> solver_words({"status": "optimal", "gap": 0.0, "model": {}})
    'The solver proved this proposal as even as possible under the policy.'
    >>> solver_words({"status": "feasible", "gap": 0.000019, "model": {}})
    'The proposal is within 0.002% of the most even possible under the policy.'
    """
    status = info.get("status")
    gap = info.get("gap")
    stopped = bool(info.get("model", {}).get("wall_limited"))
    if status == "optimal":
        return "The solver proved this proposal as even as possible under the policy."
    if status == "feasible" and gap is not None:
        percent = 100 * gap
        places = 3 if percent < 0.01 else 2 if percent < 1 else 1
        words = (
            f"The proposal is within {percent:.{places}f}% of the most even possible under "
            "the policy"
        )
        if stopped:
            words += " (the time limit stopped the solver; a longer run may do better)"
        return words + "."
    return (
        f"The solver ended with status '{status}': treat this proposal with care and "
        "run it again with a longer time limit."
    )


def about_rows(
    result: AllocationResult, info: dict[str, Any], recorded: dict[str, Any], source: str
) -> tuple[tuple[str, str], ...]:
    """``(what, value)`` pairs naming everything that reproduces the proposal.

    Versions come from ``recorded`` (``summary.json`` as the run wrote it); the
    report's own version is given separately.
    """
    options = result.options
    made = recorded.get("reproduce", {}) if isinstance(recorded, dict) else {}
    reproduce = info["reproduce"]
    gap = info.get("gap")
    rows = [
        ("proposal folder", source),
        ("allocation date (as of)", options.as_of.isoformat()),
        (
            "policy",
            f"{result.policy.name}"
            + (f" ({result.policy.source})" if result.policy.source else ""),
        ),
        ("input hash (SHA-256)", str(reproduce["input_hash"])),
        ("seed", str(options.seed)),
        (
            "limits",
            f"time {options.time_limit:g} s, work "
            + ("as the time limit" if options.work_limit is None else f"{options.work_limit:g}")
            + f", gap {options.gap_limit:g}",
        ),
        ("threads, processes", f"{options.threads}, {options.processes}"),
        (
            "rebalance",
            f"yes, at most {options.max_moves:,} moves" if options.rebalance else "no",
        ),
        ("released workers", ", ".join(options.release) or "none"),
        ("solver status", str(info["status"])),
        ("objective (sum of load² per FTE of capacity)", _number(info.get("objective"))),
        ("best bound", _number(info.get("best_bound"))),
        ("gap", "n/a" if gap is None else f"{100 * gap:.4f}%"),
        ("solve time", f"{info['solve_seconds']:.1f} s"),
        ("made by caseload", str(made.get("caseload_version", "unknown"))),
        ("OR-Tools", str(made.get("ortools_version", "unknown"))),
        ("Python", str(made.get("python_version", "unknown"))),
        ("report rendered by caseload", report_version()),
    ]
    return tuple(rows)


def _number(value: Any) -> str:
    return "n/a" if value is None else f"{value:,.2f}"


def footer_text(info: dict[str, Any], recorded: dict[str, Any]) -> str:
    """One line for every printed page: version, input hash, seed and solver status."""
    made = recorded.get("reproduce", {}) if isinstance(recorded, dict) else {}
    reproduce = info["reproduce"]
    return (
        f"caseload {made.get('caseload_version', 'unknown')} · input "
        f"{str(reproduce['input_hash'])[:12]} · seed {reproduce['seed']} · "
        f"solver {info['status']}"
    )
