"""Output folders of ``plan-staffing`` and ``plan-teams``, written all at once."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from allocator import summary, write_data, write_outputs
from scenarios.folder import FolderError, atomic_output, cell, check_writable
from scenarios.run import PLAN_FILES
from scenarios.staffing import StaffingResult
from scenarios.teams import TeamsResult

STAFFING_COLUMNS = [
    "team_id",
    "service",
    "fte_now",
    "fte_proposed",
    "children",
    "children_per_fte_now",
    "children_per_fte_proposed",
    "posts_added",
    "reason",
]
"""``staffing.csv``: the spec's seven columns, then the posts added and why."""
MOVE_COLUMNS = ["worker_id", "role", "fte", "service", "from_team", "to_team", "children"]
SPAN_COLUMNS = [
    "team_id",
    "manager_id",
    "service",
    "fte_before",
    "fte_after",
    "span",
    "cases_before",
    "cases_after",
    "oversight",
    "asye_after",
    "workers_after",
]
STAFFING_FILES = frozenset({"staffing.csv", "proposal", "summary.json"})
TEAMS_FILES = frozenset({"data", "moves.csv", "teams_summary.csv", "summary.json"})


def write_rows(path: Path, columns: list[str], rows: list[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(row[c]) for c in columns])


def write_json(path: Path, obj: Any) -> None:
    text = json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, default=str)
    path.write_text(text + "\n", encoding="utf-8")


def staffing_summary(result: StaffingResult, settings: dict[str, Any]) -> dict[str, Any]:
    """``summary.json`` of ``plan-staffing``: what was asked, what was decided, the proof."""
    info = summary(result.proposal)
    return {
        "mode": result.mode,
        "amount": result.amount,
        "granularity": result.granularity,
        "from_scratch": result.from_scratch,
        "fte_proposed": result.fte_proposed,
        "proven": result.proven,
        "team_solves": result.solves,
        "rounds": result.rounds,
        "notes": list(result.notes),
        "objective": info["objective"],
        "children_unallocated": info["children_unallocated"],
        "options": settings,
        "proposal_status": info["status"],
        "wall_limited": bool(result.proposal.stats.get("wall_limited")),
        "input_hash": info["reproduce"]["input_hash"],
    }


def write_staffing(result: StaffingResult, out: Path | str, settings: dict[str, Any]) -> None:
    """``staffing.csv``, ``proposal/`` (the allocation under the proposed staffing, in the
    data contract's outputs) and ``summary.json``, into ``out`` at once."""
    with atomic_output(Path(out), "staffing", STAFFING_FILES) as tmp:
        write_rows(tmp / "staffing.csv", STAFFING_COLUMNS, [asdict(t) for t in result.teams])
        write_outputs(result.proposal, tmp / "proposal")
        write_json(tmp / "summary.json", staffing_summary(result, settings))


def write_teams(result: TeamsResult, out: Path | str, settings: dict[str, Any]) -> None:
    """``data/`` (teams, workers and children ready to allocate), ``moves.csv``,
    ``teams_summary.csv`` and ``summary.json``, into ``out`` at once."""
    with atomic_output(Path(out), "teams", TEAMS_FILES) as tmp:
        write_data(result.data, tmp / "data")
        write_rows(tmp / "moves.csv", MOVE_COLUMNS, [asdict(m) for m in result.moves])
        write_rows(tmp / "teams_summary.csv", SPAN_COLUMNS, [asdict(t) for t in result.teams])
        write_json(
            tmp / "summary.json",
            {
                "status": result.status,
                "span_deviation_fte": result.span_deviation,
                "best_bound_span_deviation_fte": result.best_bound_deviation,
                "workers_moved": len(result.moves),
                "solve_seconds": result.solve_seconds,
                "options": settings,
            },
        )


def check_output_folder(out: Path | str, kind: str) -> None:
    """Check, before any solving, that a ``kind`` folder (``plan``, ``staffing``,
    ``teams``, ``forecast`` or ``national``) could be written at ``out``.

    Raises
    ------
    FolderError
        ``out`` holds a user's files or another kind of folder, a file is in the way,
        or there is no permission to write there.
    """
    from scenarios.forecast_output import FORECAST_FILES  # they import this module
    from scenarios.national_output import NATIONAL_FILES

    names = {
        "plan": PLAN_FILES,
        "staffing": STAFFING_FILES,
        "teams": TEAMS_FILES,
        "forecast": FORECAST_FILES,
        "national": NATIONAL_FILES,
    }
    if kind not in names:
        raise FolderError(f"unknown kind of planner folder {kind!r}")
    check_writable(Path(out), kind, names[kind])
