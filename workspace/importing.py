"""Imports: the contract's files (or a workbook) become the new current state, at once.

An import reads the upload with the engine's ``read_data`` (every problem by
file, row and column), then, in one transaction: recognises approved
allocations that the export does not show yet (the child keeps the approved
worker, and the mismatch waits for an admin to confirm), writes the snapshot's
rows, works out every worker's load, records it in the caseload history, and
makes the snapshot current. An error or a kill anywhere leaves the previous
state as it was.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from allocator import InputError, InputProblem, read_data
from models import PRESETS, Policy, PolicyError, ProblemData, load_policy, parse_policy, policy_toml
from workspace.history import record_loads
from workspace.state import assess, current_snapshot, lock_state
from workspace.tables import ChildRow, Mismatch, Snapshot, TeamRow, WorkerRow, WorkspaceState

DATA_FILES = ("teams", "workers", "children", "reductions", "overrides", "adjustments")
"""The contract's files an upload may hold (``NAME.csv``); the first three are required."""
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ImportProblems(Exception):
    """The upload cannot be imported: every problem, by file, row and column."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def problem(
    file: str, message: str, row: int | None = None, column: str | None = None
) -> dict[str, Any]:
    return {"file": file, "row": row, "column": column, "message": message}


def _as_dict(p: InputProblem) -> dict[str, Any]:
    return problem(p.file, p.message, p.row, p.column)


@dataclass
class Upload:
    """What an admin sent: data files by name, and a policy (preset name or TOML text)."""

    files: dict[str, bytes] = field(default_factory=dict)
    workbook: tuple[str, bytes] | None = None
    policy_name: str | None = None
    policy_text: str | None = None


def choose_policy(upload: Upload) -> Policy:
    """The policy of an upload: the council's own file, else the preset named, else ``default``."""
    if upload.policy_text is not None:
        try:
            return parse_policy(upload.policy_text, where="policy.toml")
        except PolicyError as exc:
            raise ImportProblems([problem("policy.toml", str(exc))]) from None
    name = upload.policy_name or "default"
    if name not in PRESETS:
        message = f"{name!r} is not a preset: use one of {', '.join(PRESETS)} or upload policy.toml"
        raise ImportProblems([problem("policy", message)])
    return load_policy(name)


def read_upload(upload: Upload) -> tuple[ProblemData, Policy, list[dict[str, Any]]]:
    """Read and validate an upload, as ``caseload validate`` would.

    Returns
    -------
    tuple
        The data, the policy and the warnings (problem dictionaries).

    Raises
    ------
    ImportProblems
        Every problem found (files missing or unexpected, cells, references).
    """
    problems: list[dict[str, Any]] = []
    policy: Policy | None = None
    try:
        policy = choose_policy(upload)
    except ImportProblems as exc:
        problems += exc.problems
    if upload.workbook and upload.files:
        problems.append(problem("workbook", "send either one workbook or the CSV files, not both"))
    if not upload.workbook:
        for name in ("teams", "workers", "children"):
            if name not in upload.files:
                problems.append(
                    problem(
                        f"{name}.csv", "missing: upload teams.csv, workers.csv and children.csv"
                    )
                )
        for name in upload.files:
            if name not in DATA_FILES:
                problems.append(
                    problem(name, f"not a file of the data contract ({', '.join(DATA_FILES)})")
                )
    elif not upload.workbook[0].lower().endswith(".xlsx"):
        problems.append(problem(upload.workbook[0], "a workbook must be an .xlsx file"))
    if problems:
        raise ImportProblems(problems)
    warnings: list[InputProblem] = []
    with tempfile.TemporaryDirectory(prefix="caseload-import-") as tmp:
        if upload.workbook:
            path = Path(tmp) / "data.xlsx"
            path.write_bytes(upload.workbook[1])
        else:
            path = Path(tmp)
            for name, content in upload.files.items():
                (path / f"{name}.csv").write_bytes(content)
        try:
            data = read_data(path, policy, warnings=warnings)
        except InputError as exc:
            raise ImportProblems([_as_dict(p) for p in exc.problems]) from None
        except Exception as exc:  # an unreadable file the reader did not expect
            name = upload.workbook[0] if upload.workbook else "upload"
            raise ImportProblems([problem(name, f"cannot be read: {type(exc).__name__}")]) from None
    assert policy is not None
    return data, policy, [_as_dict(w) for w in warnings]


def import_data(
    *,
    session: Session,
    data: ProblemData,
    policy: Policy,
    username: str,
    source: str,
    as_of: date,
    warnings: list[dict[str, Any]] | None = None,
) -> Snapshot:
    """Make ``data`` the current state, in the caller's transaction.

    Approved allocations that the export does not show (the child waiting, or
    with another worker) keep the approved worker and are listed as
    :class:`Mismatch` rows for an admin to confirm; those it shows are settled.
    """
    lock_state(session)
    previous = current_snapshot(session)
    approved: dict[str, ChildRow] = {}
    versions: dict[str, int] = {}
    if previous is not None:
        approved = {
            c.child_id: c
            for c in session.scalars(
                select(ChildRow).where(
                    ChildRow.snapshot_id == previous.id, ChildRow.batch_id.is_not(None)
                )
            )
        }
        versions = dict(
            session.execute(
                select(TeamRow.team_id, TeamRow.version).where(TeamRow.snapshot_id == previous.id)
            ).all()
        )
    snapshot = Snapshot(
        created_by=username,
        source=source[:500],
        as_of=as_of,
        policy_name=policy.name or "custom",
        policy_toml=policy_toml(policy),
        extras={
            "reductions": [r.model_dump(mode="json") for r in data.reductions],
            "overrides": [o.model_dump(mode="json") for o in data.overrides],
            "adjustments": [a.model_dump(mode="json") for a in data.adjustments],
        },
        warnings=warnings or [],
    )
    session.add(snapshot)
    session.flush()
    worker_ids = {w.worker_id for w in data.workers}
    children: list[Any] = []
    mismatches: list[Mismatch] = []
    for c in data.children:
        row = ChildRow(
            snapshot_id=snapshot.id,
            child_id=c.child_id,
            team_id=c.team_id,
            worker_id=c.worker_id,
            record=c.model_dump(mode="json"),
        )
        earlier = approved.get(c.child_id)
        if earlier is not None and earlier.worker_id != c.worker_id:
            kept = earlier.worker_id if earlier.worker_id in worker_ids else c.worker_id
            row.worker_id = kept
            row.batch_id = earlier.batch_id if kept == earlier.worker_id else None
            mismatches.append(
                Mismatch(
                    snapshot_id=snapshot.id,
                    batch_id=earlier.batch_id,
                    team_id=c.team_id,
                    child_id=c.child_id,
                    approved_worker_id=earlier.worker_id or "",
                    export_worker_id=c.worker_id,
                )
            )
        children.append(row)
    session.add_all(children)
    session.add_all(mismatches)
    session.add_all(
        WorkerRow(
            snapshot_id=snapshot.id,
            worker_id=w.worker_id,
            team_id=w.team_id,
            record=w.model_dump(mode="json"),
        )
        for w in data.workers
    )
    current = data.model_copy(
        update={
            "children": tuple(
                c.model_copy(update={"worker_id": r.worker_id})
                for c, r in zip(data.children, children, strict=True)
            )
        }
    )
    loads = assess(current, policy, as_of)
    session.add_all(
        TeamRow(
            snapshot_id=snapshot.id,
            team_id=t.team_id,
            service=t.service,
            record=t.model_dump(mode="json"),
            version=versions.get(t.team_id, 0) + 1,
            loads=loads.get(t.team_id, {"workers": [], "weights": {}}),
        )
        for t in data.teams
    )
    record_loads(session=session, loads=loads, on=as_of, source=f"import {snapshot.id}")
    session.execute(
        update(WorkspaceState).where(WorkspaceState.id == 1).values(current_snapshot_id=snapshot.id)
    )
    session.flush()
    return snapshot


def upload_from_form(files: Mapping[str, tuple[str, bytes]], policy: str | None) -> Upload:
    """An :class:`Upload` from multipart fields: ``teams.csv``... or ``workbook``, and a policy.

    ``files`` maps the form field name to ``(file name, content)``.
    """
    upload = Upload(policy_name=policy or None)
    for fieldname, (filename, content) in files.items():
        if not content and not filename:
            continue
        if len(content) > MAX_UPLOAD_BYTES:
            raise ImportProblems([problem(filename or fieldname, "larger than 50 MB")])
        if fieldname == "workbook":
            upload.workbook = (filename or "workbook.xlsx", content)
        elif fieldname in ("policy.toml", "policy_file"):
            try:
                upload.policy_text = content.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ImportProblems([problem("policy.toml", "not UTF-8 text")]) from None
        else:
            name = fieldname.removesuffix(".csv")
            upload.files[name] = content
    return upload


def confirm_mismatch(*, session: Session, mismatch: Mismatch, keep: str, username: str) -> None:
    """Settle a mismatch: keep the approved worker, or take the export's (the team's loads
    are then worked out again and recorded)."""
    from workspace.state import policy_of, problem_for
    from workspace.tables import now

    state = lock_state(session)
    if state.current_snapshot_id != mismatch.snapshot_id:
        raise ValueError("a later import has replaced the data this mismatch was found in")
    if keep == "export":
        child = session.scalar(
            select(ChildRow).where(
                ChildRow.snapshot_id == mismatch.snapshot_id, ChildRow.child_id == mismatch.child_id
            )
        )
        team = session.scalar(
            select(TeamRow).where(
                TeamRow.snapshot_id == mismatch.snapshot_id, TeamRow.team_id == mismatch.team_id
            )
        )
        snapshot = session.get(Snapshot, mismatch.snapshot_id)
        if child is not None and team is not None and snapshot is not None:
            child.worker_id = mismatch.export_worker_id
            child.batch_id = None
            session.flush()
            loads = assess(
                problem_for(session, snapshot, [team.team_id]), policy_of(snapshot), snapshot.as_of
            )
            team.loads = loads.get(team.team_id, {"workers": [], "weights": {}})
            team.version += 1
            record_loads(
                session=session, loads=loads, on=date.today(), source=f"mismatch {mismatch.id}"
            )
    mismatch.confirmed_by = username
    mismatch.confirmed_at = now()
    session.flush()
