"""The current state: rows of the current snapshot as the engine's ``ProblemData``.

A team's solve sees only its own team: references to workers of other teams
(a child's ``previous_worker_id``, a team's ``manager_id``) are dropped from the
copy it solves, never from the record. A family split across teams is allocated
within each team (the engine's cross-team sibling rule needs both teams in one
solve: run them together with ``team_ids=[A, B]``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from allocator import allocate
from models import (
    Adjustment,
    AllocationResult,
    Child,
    Options,
    Override,
    Policy,
    ProblemData,
    Reduction,
    Team,
    Worker,
    parse_policy,
)
from workspace.tables import ChildRow, Snapshot, TeamRow, WorkerRow, WorkspaceState


class NoDataError(LookupError):
    """Nothing has been imported yet."""


def lock_state(session: Session) -> WorkspaceState:
    """Take the workspace's write lock for the rest of the transaction; the state row.

    A write to the one state row comes first, so whatever the transaction reads
    next is what it changes: an import and an approval never interleave. On
    PostgreSQL it is a row lock; on SQLite the first write of a transaction
    takes the database's write lock (waiting up to the busy timeout), and the
    driver starts the transaction there, so no read before it can be stale.
    """
    session.execute(
        update(WorkspaceState)
        .where(WorkspaceState.id == 1)
        .values(current_snapshot_id=WorkspaceState.current_snapshot_id)
    )
    state = session.get(WorkspaceState, 1, populate_existing=True)
    if state is None:
        state = WorkspaceState(id=1, current_snapshot_id=None)
        session.add(state)
        session.flush()
    return state


def current_snapshot(session: Session) -> Snapshot | None:
    """The snapshot in force, or ``None`` before the first import."""
    state = session.get(WorkspaceState, 1)
    if state is None or state.current_snapshot_id is None:
        return None
    return session.get(Snapshot, state.current_snapshot_id)


def require_snapshot(session: Session) -> Snapshot:
    snapshot = current_snapshot(session)
    if snapshot is None:
        raise NoDataError("nothing has been imported yet: an admin imports the data first")
    return snapshot


@functools.lru_cache(maxsize=16)
def _parse(text: str) -> Policy:
    return parse_policy(text, where="policy.toml")


def policy_of(snapshot: Snapshot) -> Policy:
    """The policy in force for a snapshot (parsed once per text)."""
    return _parse(snapshot.policy_toml)


def team_rows(
    session: Session, snapshot_id: int, team_ids: Iterable[str] | None = None
) -> list[TeamRow]:
    query = select(TeamRow).where(TeamRow.snapshot_id == snapshot_id)
    if team_ids is not None:
        query = query.where(TeamRow.team_id.in_(list(team_ids)))
    return list(session.scalars(query.order_by(TeamRow.team_id)))


def problem_for(session: Session, snapshot: Snapshot, team_ids: Sequence[str]) -> ProblemData:
    """The current data of these teams, as one problem the engine can solve."""
    teams = team_rows(session, snapshot.id, team_ids)
    wanted = [t.team_id for t in teams]
    workers = session.scalars(
        select(WorkerRow)
        .where(WorkerRow.snapshot_id == snapshot.id, WorkerRow.team_id.in_(wanted))
        .order_by(WorkerRow.id)
    ).all()
    children = session.scalars(
        select(ChildRow)
        .where(ChildRow.snapshot_id == snapshot.id, ChildRow.team_id.in_(wanted))
        .order_by(ChildRow.id)
    ).all()
    return build_problem(
        [t.record for t in teams],
        [w.record for w in workers],
        [{**c.record, "worker_id": c.worker_id} for c in children],
        snapshot.extras,
    )


def build_problem(
    teams: list[dict[str, Any]],
    workers: list[dict[str, Any]],
    children: list[dict[str, Any]],
    extras: dict[str, Any],
) -> ProblemData:
    """A ``ProblemData`` from the contract's rows, references outside them dropped."""
    worker_ids = {w["worker_id"] for w in workers}
    child_ids = {c["child_id"] for c in children}

    def inside(ref: str | None) -> str | None:
        return ref if ref in worker_ids else None

    return ProblemData(
        teams=tuple(
            Team.model_validate({**t, "manager_id": inside(t.get("manager_id"))}) for t in teams
        ),
        workers=tuple(Worker.model_validate(w) for w in workers),
        children=tuple(
            Child.model_validate(
                {
                    **c,
                    "worker_id": inside(c.get("worker_id")),
                    "previous_worker_id": inside(c.get("previous_worker_id")),
                }
            )
            for c in children
        ),
        reductions=tuple(
            Reduction.model_validate(r)
            for r in extras.get("reductions", [])
            if r["worker_id"] in worker_ids
        ),
        overrides=tuple(
            Override.model_validate(o)
            for o in extras.get("overrides", [])
            if o["worker_id"] in worker_ids
        ),
        adjustments=tuple(
            Adjustment.model_validate(a)
            for a in extras.get("adjustments", [])
            if a["worker_id"] in worker_ids
            and (a.get("child_id") is None or a["child_id"] in child_ids)
        ),
    )


def assess(data: ProblemData, policy: Policy, as_of: date) -> dict[str, dict[str, Any]]:
    """Each team's current loads, caps and bands, without allocating anyone.

    The engine is run on the children who already have a worker (waiting
    children left out, managers' children left where they are), so every
    worker's load, capacity, caps and band come from the engine's own rules.

    Returns
    -------
    dict
        ``{team_id: {"workers": [WorkerLoad as JSON], "weights": {child_id: weight}}}``.
    """
    held = data.model_copy(update={"children": tuple(c for c in data.children if c.worker_id)})
    options = Options(as_of=as_of, work_limit=1, time_limit=30, release_managers=False)
    return loads_by_team(allocate(held, policy, options))


def loads_by_team(result: AllocationResult, after: bool = True) -> dict[str, dict[str, Any]]:
    """The loads of a result per team, as stored on ``teams.loads``."""
    out: dict[str, dict[str, Any]] = {
        t.team_id: {"workers": [], "weights": {}} for t in result.data.teams
    }
    for w in result.workers:
        out[w.team_id]["workers"].append(w.model_dump(mode="json"))
    for a in result.allocations:
        if a.worker_id is not None or not after:
            out[a.team_id]["weights"][a.child_id] = a.weight
    return out
