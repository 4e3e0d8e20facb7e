"""The output folder, written and read back: a self-contained record of one proposal.

``allocations.csv``, ``workers.csv`` and ``summary.json`` are the data
contract's files; ``candidates.csv`` and ``findings.csv`` are extensions; the
``input/`` sub-folder holds the data folder and the policy (``policy.toml``)
the proposal was made from, so the folder alone reproduces the run.
"""

from __future__ import annotations

import csv
import hashlib
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from allocator.io.data_folder import write_data_files
from allocator.io.errors import InputError, InputProblem
from allocator.io.read import read_data
from allocator.io.write import (
    INPUT_FOLDER,
    OUTPUT_FILES,
    OUTPUT_LAYOUT,
    POLICY_FILE,
    atomic_folder,
    write_csv,
    write_json,
)
from models import (
    AllocationResult,
    Candidate,
    ChildAllocation,
    Finding,
    Options,
    Policy,
    PolicyError,
    ProblemData,
    TeamFairness,
    WorkerLoad,
    parse_policy,
    policy_toml,
)

ALLOCATION_COLUMNS = [
    "child_id",
    "worker_id",
    "team_id",
    "status",
    "weight",
    "reason",
    "worker_before",
    "cover_for",
    "cover_until",
    "needs_approval",
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
    "binding_cap",
    "load_per_fte",
    "band",
    "reduction",
    "fte_available",
    "children_per_fte",
    "cases_after",
    "awaiting_closure",
    "absence",
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


def summary(result: AllocationResult) -> dict[str, Any]:
    """The content of ``summary.json`` for a proposal.

    The contract's fields (``status``, ``objective``, ``best_bound``,
    ``solve_seconds``, ``children_allocated``, ``children_unallocated``), the
    figures the printed summary uses (moves, workers per threshold band, sibling
    groups split, the greedy baseline's objective, fairness per team, findings
    by kind), how each proved stage was settled (``proof``: per stage, sub-problems
    settled by the proof stage, by CP-SAT, or by CP-SAT then closed by the proof,
    and why the proof gave up where it did), the model's statistics, and what
    reproduces the run
    (``reproduce``: input hash, policy in force, options, solver settings, seed,
    versions). Times are seconds; objectives are ``sum load**2 / capacity``.

    Examples
    --------
    >>> from datetime import date
    >>> from allocator import allocate
    >>> from models import Child, Options, ProblemData, Role, Team, Worker, load_policy
    >>> data = ProblemData(
    ...     teams=(Team(team_id="T1", service="cin"),),
    ...     workers=(Worker(worker_id="W1", team_id="T1", role=Role.SOCIAL_WORKER, fte=1),),
    ...     children=(Child(child_id="C1", team_id="T1", category="cin"),),
    ... )
    >>> result = allocate(data, load_policy("default"), Options(as_of=date(2026, 11, 23)))
    >>> info = summary(result)
    >>> info["status"], info["children_allocated"], info["reproduce"]["options"]["as_of"]
    ('optimal', 1, '2026-11-23')
    """
    options = result.options
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
    stats = dict(result.stats)
    stage_seconds = stats.pop("stage_seconds", {})
    solver = stats.pop("solver", {})
    averages = stats.pop("team_averages", [])
    adjustments = stats.pop("adjustments", None)
    proof = stats.pop("proof", None)
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
        "team_averages": averages,
        "adjustments": adjustments,
        "proof": proof,
        "model": stats,
        "reproduce": {
            "input_hash": input_hash(result.data),
            "policy": result.policy.model_dump(mode="json"),
            "options": options.model_dump(mode="json"),
            "solver": solver,
            "caseload_version": _version("caseload"),
            "ortools_version": _version("ortools"),
            "python_version": platform.python_version(),
            "seed": options.seed,
        },
    }


def write_outputs(result: AllocationResult, folder: Path | str) -> None:
    """Write every output file, and the input, into ``folder`` at once (nothing half-written).

    ``allocations.csv``, ``workers.csv``, ``summary.json`` (the data contract),
    ``candidates.csv``, ``findings.csv``, and ``input/`` with the data folder
    and ``policy.toml``. Files are byte-identical for identical results (but
    for the timing fields of ``summary.json``). The files appear all at once:
    they are written to a temporary sibling folder that then takes the place of
    ``folder``.

    Raises
    ------
    OutputError
        ``folder`` exists and holds files or folders this tool did not write.

    Examples
    --------
    >>> import tempfile
    >>> from datetime import date
    >>> from pathlib import Path
    >>> from allocator import allocate
    >>> from models import Child, Options, ProblemData, Role, Team, Worker, load_policy
    >>> data = ProblemData(
    ...     teams=(Team(team_id="T1", service="cin"),),
    ...     workers=(Worker(worker_id="W1", team_id="T1", role=Role.SOCIAL_WORKER, fte=1),),
    ...     children=(Child(child_id="C1", team_id="T1", category="cin"),),
    ... )
    >>> result = allocate(data, load_policy("default"), Options(as_of=date(2026, 11, 23)))
    >>> out = Path(tempfile.mkdtemp()) / "proposal"
    >>> write_outputs(result, out)
    >>> sorted(p.name for p in out.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['.caseload', 'allocations.csv', 'candidates.csv', 'findings.csv', 'input',
     'summary.json', 'workers.csv']
    >>> read_outputs(out).allocations[0].worker_id
    'W1'
    """
    with atomic_folder(Path(folder), OUTPUT_LAYOUT) as tmp:
        (tmp / INPUT_FOLDER).mkdir()
        write_data_files(result.data, tmp / INPUT_FOLDER)
        (tmp / INPUT_FOLDER / POLICY_FILE).write_text(policy_toml(result.policy), encoding="utf-8")
        write_csv(
            tmp / "allocations.csv",
            ALLOCATION_COLUMNS,
            ({**a.model_dump(), "status": a.status.value} for a in result.allocations),
        )
        write_csv(
            tmp / "workers.csv",
            WORKER_COLUMNS,
            ({**w.model_dump(), "load_per_fte": round(w.load_per_fte, 4)} for w in result.workers),
        )
        write_json(tmp / "summary.json", summary(result))
        write_csv(
            tmp / "candidates.csv", CANDIDATE_COLUMNS, (c.model_dump() for c in result.candidates)
        )
        write_csv(
            tmp / "findings.csv",
            FINDING_COLUMNS,
            ({**f.model_dump(), "entities": ";".join(f.entities)} for f in result.findings),
        )


def read_outputs(folder: Path | str) -> AllocationResult:
    """Read an output folder back: the proposal with the data, policy and options it
    was made from.

    Numbers are as written (4 decimals). ``stats`` is ``summary.json``'s ``model``
    section with its ``stage_seconds`` and the solver settings.

    Raises
    ------
    InputError
        The folder is not a caseload output folder, or a file is missing or
        corrupt: every problem, named by file (and row and column where one is
        to blame).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> try:
    ...     read_outputs(Path(tempfile.mkdtemp()))
    ... except InputError as error:
    ...     print(error.problems[0].message)  # doctest: +NORMALIZE_WHITESPACE
    is not a caseload output folder: allocations.csv, candidates.csv, findings.csv, input,
    summary.json, workers.csv missing (made by 'caseload allocate --out')

    :func:`write_outputs` shows a folder written and read back.
    """
    folder = Path(folder)
    problems: list[InputProblem] = []
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputError(
            [InputProblem(str(folder), None, None, f"{what}; expected an output folder")]
        )
    missing = sorted(name for name in (*OUTPUT_FILES, INPUT_FOLDER) if not (folder / name).exists())
    if missing:
        message = (
            f"is not a caseload output folder: {', '.join(missing)} missing "
            "(made by 'caseload allocate --out')"
        )
        raise InputError([InputProblem(str(folder), None, None, message)])
    info = _read_summary(folder, problems)
    policy = None
    policy_path = folder / INPUT_FOLDER / POLICY_FILE
    try:
        policy = parse_policy(policy_path.read_text("utf-8"), str(policy_path))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(
            InputProblem(f"{INPUT_FOLDER}/{POLICY_FILE}", None, None, f"cannot be read: {exc}")
        )
    except PolicyError as exc:
        problems.append(InputProblem(f"{INPUT_FOLDER}/{POLICY_FILE}", None, None, str(exc)))
    data: ProblemData | None = None
    try:
        data = read_data(folder / INPUT_FOLDER, policy)
    except InputError as exc:
        problems += [
            InputProblem(f"{INPUT_FOLDER}/{p.file}", p.row, p.column, p.message)
            for p in exc.problems
        ]
    allocations = _rows(folder, "allocations.csv", ChildAllocation, problems)
    workers = _rows(folder, "workers.csv", WorkerLoad, problems)
    candidates = _rows(folder, "candidates.csv", Candidate, problems)
    findings = _rows(folder, "findings.csv", Finding, problems)
    if problems or info is None or policy is None or data is None:
        raise InputError(problems)
    problems += _mismatches(data, allocations, workers, candidates)
    if problems:
        raise InputError(problems)
    try:
        result = _result_from(info, data, policy, allocations, workers, candidates, findings)
    except (KeyError, TypeError, ValidationError) as exc:
        message = f"is not a summary this version of caseload wrote ({_short(exc)})"
        raise InputError([InputProblem("summary.json", None, None, message)]) from None
    problems = _summary_disagrees(info, result)
    if problems:
        raise InputError(problems)
    return result


CHECKED_FIGURES = (
    "children_allocated",
    "children_unallocated",
    "sibling_groups_split",
    "gap",
    "findings",
)
"""Figures of ``summary.json`` that must equal what the folder's CSVs and its own
objective and bound give (a report shows them; a hand-edited one would mislead)."""


def _summary_disagrees(info: dict[str, Any], result: AllocationResult) -> list[InputProblem]:
    again = summary(result)
    problems = []
    for key in CHECKED_FIGURES:
        if key not in info:
            problems.append(InputProblem("summary.json", None, key, "is missing"))
        elif info[key] != again[key]:
            message = f"says {info[key]!r}, but the folder's files give {again[key]!r}"
            problems.append(InputProblem("summary.json", None, key, message))
    return problems


def _result_from(
    info: dict[str, Any],
    data: ProblemData,
    policy: Policy,
    allocations: list[ChildAllocation],
    workers: list[WorkerLoad],
    candidates: list[Candidate],
    findings: list[Finding],
) -> AllocationResult:
    """The result ``summary.json`` and the CSVs describe (KeyError, TypeError or
    ValidationError when the summary is not one caseload wrote)."""
    stats = {**info["model"], "stage_seconds": info["stage_seconds"]}
    stats["solver"] = info["reproduce"]["solver"]
    stats["team_averages"] = info.get("team_averages", [])
    if info.get("adjustments") is not None:
        stats["adjustments"] = info["adjustments"]
    if info.get("proof") is not None:
        stats["proof"] = info["proof"]
    return AllocationResult(
        data=data,
        policy=policy,
        options=Options.model_validate(info["reproduce"]["options"]),
        status=info["status"],
        objective=info["objective"],
        best_bound=info["best_bound"],
        solve_seconds=info["solve_seconds"],
        allocations=tuple(allocations),
        workers=tuple(workers),
        findings=tuple(findings),
        candidates=tuple(candidates),
        fairness=tuple(TeamFairness.model_validate(f) for f in info["fairness"]),
        greedy_objective=info["greedy_objective"],
        stats=stats,
    )


def _mismatches(
    data: ProblemData,
    allocations: list[ChildAllocation],
    workers: list[WorkerLoad],
    candidates: list[Candidate],
) -> list[InputProblem]:
    """Rows that do not belong to the folder's own input (a file edited or swapped)."""
    out: list[InputProblem] = []
    children = {c.child_id: c for c in data.children}
    worker_ids = {w.worker_id for w in data.workers}
    listed = [a.child_id for a in allocations]
    if listed != list(children):
        missing = sorted(set(children) - set(listed))
        extra = sorted(set(listed) - set(children))
        parts = [f"{len(children)} children in input/children.csv, {len(listed)} rows here"]
        if missing:
            parts.append(f"missing {', '.join(missing[:5])}")
        if extra:
            parts.append(f"not in the input: {', '.join(extra[:5])}")
        if not missing and not extra:
            parts.append("rows out of input order")
        out.append(InputProblem("allocations.csv", None, None, "; ".join(parts)))
    for number, a in enumerate(allocations, start=2):
        child = children.get(a.child_id)
        if child is not None and a.team_id != child.team_id:
            message = f"team {a.team_id!r}, but the input puts {a.child_id} in {child.team_id!r}"
            out.append(InputProblem("allocations.csv", number, "team_id", message))
        if a.worker_id is not None and a.worker_id not in worker_ids:
            message = f"unknown worker {a.worker_id!r}: not in input/workers.csv"
            out.append(InputProblem("allocations.csv", number, "worker_id", message))
    if [w.worker_id for w in workers] != [w.worker_id for w in data.workers]:
        message = "its workers are not those of input/workers.csv, in that order"
        out.append(InputProblem("workers.csv", None, None, message))
    for number, c in enumerate(candidates, start=2):
        if c.child_id not in children:
            out.append(
                InputProblem("candidates.csv", number, "child_id", f"unknown child {c.child_id!r}")
            )
        if c.worker_id not in worker_ids:
            out.append(
                InputProblem(
                    "candidates.csv", number, "worker_id", f"unknown worker {c.worker_id!r}"
                )
            )
    return out


def _read_summary(folder: Path, problems: list[InputProblem]) -> dict[str, Any] | None:
    try:
        info = json.loads((folder / "summary.json").read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(InputProblem("summary.json", None, None, f"cannot be read: {exc}"))
        return None
    if not isinstance(info, dict):
        problems.append(InputProblem("summary.json", None, None, "is not a JSON object"))
        return None
    return info


def _rows(folder: Path, name: str, model: type[Any], problems: list[InputProblem]) -> list[Any]:
    """The rows of one output CSV as ``model`` objects (empty cells are ``None``)."""
    fields = model.model_fields
    try:
        with (folder / name).open(encoding="utf-8", newline="") as stream:
            records = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        problems.append(InputProblem(name, None, None, f"cannot be read: {exc}"))
        return []
    out = []
    for number, record in enumerate(records, start=2):
        values: dict[str, Any] = {}
        for key, text in record.items():
            if key not in fields or text is None:
                continue
            if key == "entities":
                values[key] = tuple(part for part in text.split(";") if part)
            elif text == "" and key not in _TEXT:
                values[key] = None
            else:
                values[key] = text
        try:
            out.append(model.model_validate(values))
        except ValidationError as exc:
            for error in exc.errors():
                column = str(error["loc"][0]) if error["loc"] else None
                problems.append(InputProblem(name, number, column, str(error["msg"])))
    return out


_TEXT = frozenset(
    {
        "reason",
        "detail",
        "rule",
        "message",
        "band",
        "reduction",
        "verdict",
        "binding_cap",
        "absence",
    }
)
"""Columns whose empty cell is the empty text, not a missing value."""


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"{type(exc).__name__}: {text}" if isinstance(exc, KeyError) else text
