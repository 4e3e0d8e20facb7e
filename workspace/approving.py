"""Approving a proposal: one transaction that makes it the current caseload.

Barnet 001 s.3.7: "If an individual holds a caseload higher than 22 this must
be agreed by the Head of Service"; s.5 item 3: an allocation above the maximum
"must be time specified and subject to regular review". The engine marks each
allocation that takes its worker across such a threshold
(``ChildAllocation.needs_approval``); each needs a written reason and a review
date. Where the threshold names the head of service as approver and a manager
approves, the manager's approval is recorded and the proposal waits for a head
of service (a second step); nothing is applied until then.

Applying checks that every team of the proposal is still at the version the
proposal was made from (``UPDATE ... WHERE version = v``), so of two approvals
built on the same state the second is refused (409), whatever the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import AllocationResult, ChildStatus
from workspace.history import record_loads
from workspace.solving import load_result, plan_hash
from workspace.state import loads_by_team, lock_state
from workspace.tables import Approval, Batch, ChildRow, Decision, Proposal, TeamRow

CHANGED = ChildStatus.ALLOCATED, ChildStatus.MOVED
HEAD_OF_SERVICE = "head of service"


class ApprovalError(Exception):
    """An approval refused: ``status`` is the HTTP status (403, 409 or 422)."""

    def __init__(
        self, status: int, message: str, problems: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.problems = problems or []


@dataclass
class Outcome:
    status: str  # "applied" or "awaiting_head_of_service"
    batch_id: int | None = None


def needing_approval(result: AllocationResult) -> list[Any]:
    """The new allocations that cross an approval threshold (each needs reason and review date)."""
    return [
        a for a in result.allocations if a.needs_approval and a.status in CHANGED and a.worker_id
    ]


def needs_head_of_service(result: AllocationResult) -> bool:
    return any(HEAD_OF_SERVICE in (a.needs_approval or "") for a in needing_approval(result))


def _check_decisions(
    result: AllocationResult, decisions: list[dict[str, Any]], today: date
) -> dict[str, dict[str, Any]]:
    known = {a.child_id for a in result.allocations}
    given = {d["child_id"]: d for d in decisions}
    problems = []
    for child_id in given:
        if child_id not in known:
            problems.append({"child_id": child_id, "message": "not a child of this proposal"})
    for a in needing_approval(result):
        d = given.get(a.child_id, {})
        if not str(d.get("reason") or "").strip():
            problems.append(
                {"child_id": a.child_id, "message": f"needs a written reason ({a.needs_approval})"}
            )
        review = d.get("review_date")
        if review is None:
            problems.append({"child_id": a.child_id, "message": "needs a review date"})
        elif review < today:
            problems.append({"child_id": a.child_id, "message": "the review date is in the past"})
    if problems:
        raise ApprovalError(422, "some allocations need a reason or a review date", problems)
    return given


def approve(
    *,
    session: Session,
    proposal: Proposal,
    username: str,
    role: str,
    decisions: list[dict[str, Any]],
    today: date,
) -> Outcome:
    """Approve ``proposal`` as ``username`` (a ``team_manager`` or ``head_of_service``).

    Raises
    ------
    ApprovalError
        409 if it is not ready, already applied, or built on caseloads that have
        changed since; 422 if an above-threshold allocation lacks a reason or a
        review date; 403 if the role may not approve.
    """
    if role not in ("team_manager", "head_of_service"):
        raise ApprovalError(403, "only a team manager or a head of service approves allocations")
    if proposal.status != "done":
        raise ApprovalError(409, f"the proposal is {proposal.status}, not ready to approve")
    if proposal.applied:
        raise ApprovalError(409, "the proposal has already been approved and applied")
    result = load_result(proposal)
    given = _check_decisions(result, decisions, today)
    digest = plan_hash(result)
    stored = [
        {"child_id": c, "reason": d.get("reason") or "", "review_date": _iso(d.get("review_date"))}
        for c, d in given.items()
    ]
    if role == "team_manager" and needs_head_of_service(result):
        session.add(
            Approval(
                proposal_id=proposal.id,
                username=username,
                role=role,
                step="manager",
                plan_hash=digest,
                decisions=stored,
            )
        )
        session.flush()
        return Outcome("awaiting_head_of_service")
    manager = session.scalar(
        select(Approval)
        .where(Approval.proposal_id == proposal.id, Approval.step == "manager")
        .order_by(Approval.id.desc())
        .limit(1)
    )
    step = "head_of_service" if role == "head_of_service" else "manager"
    approval = Approval(
        proposal_id=proposal.id,
        username=username,
        role=role,
        step=step,
        plan_hash=digest,
        decisions=stored,
    )
    session.add(approval)
    batch_id = _apply(
        session=session,
        proposal=proposal,
        result=result,
        given=given,
        approved_by=manager.username if manager and step == "head_of_service" else username,
        head_of_service=username if step == "head_of_service" else None,
        digest=digest,
        today=today,
    )
    return Outcome("applied", batch_id)


def _iso(day: Any) -> str | None:
    return day.isoformat() if isinstance(day, date) else day


def _apply(
    *,
    session: Session,
    proposal: Proposal,
    result: AllocationResult,
    given: dict[str, dict[str, Any]],
    approved_by: str,
    head_of_service: str | None,
    digest: str,
    today: date,
) -> int:
    # Imports and other approvals wait until this transaction ends, and it reads what they did.
    state = lock_state(session)
    based = proposal.based_on or {}
    if state.current_snapshot_id != based.get("snapshot_id"):
        raise ApprovalError(
            409, "the data has been imported again since this proposal: run it again"
        )
    loads = loads_by_team(result)
    for team_id, version in based.get("teams", {}).items():
        changed = session.execute(
            update(TeamRow)
            .where(
                TeamRow.snapshot_id == state.current_snapshot_id,
                TeamRow.team_id == team_id,
                TeamRow.version == version,
            )
            .values(version=version + 1, loads=loads.get(team_id, {"workers": [], "weights": {}}))
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            raise ApprovalError(
                409,
                f"team {team_id}'s caseloads changed since this proposal was made: run it again",
            )
    batch = Batch(
        proposal_id=proposal.id,
        team_ids=list(proposal.team_ids),
        approved_by=approved_by,
        head_of_service=head_of_service,
        plan_hash=digest,
        summary={
            k: proposal.summary.get(k)
            for k in (
                "status",
                "children_allocated",
                "children_unallocated",
                "children_moved",
                "objective",
            )
        }
        if proposal.summary
        else {},
    )
    session.add(batch)
    session.flush()
    rows = {
        c.child_id: c
        for c in session.scalars(
            select(ChildRow).where(
                ChildRow.snapshot_id == state.current_snapshot_id,
                ChildRow.team_id.in_(list(proposal.team_ids)),
            )
        )
    }
    for a in result.allocations:
        if a.status is ChildStatus.KEPT:
            continue
        d = given.get(a.child_id, {})
        session.add(
            Decision(
                batch_id=batch.id,
                team_id=a.team_id,
                child_id=a.child_id,
                worker_id=a.worker_id,
                worker_before=a.worker_before,
                status=a.status.value,
                engine_reason=a.reason,
                reason=(d.get("reason") or "").strip() or None,
                review_date=d.get("review_date") if a.needs_approval else None,
                needs_approval=a.needs_approval,
                cover_for=a.cover_for,
            )
        )
        row = rows.get(a.child_id)
        if row is not None and a.status in CHANGED:
            row.worker_id = a.worker_id
            row.batch_id = batch.id
    record_loads(session=session, loads=loads, on=today, source=f"batch {batch.id}")
    proposal.applied = True
    session.flush()
    return batch.id
