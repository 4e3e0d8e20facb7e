"""Proposals: start a solve, read it, adjust and re-solve, approve."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse

from workspace.api.deps import (
    APPROVERS_AND_MANAGERS,
    ProposalDep,
    SessionDep,
    Signed,
    audit,
    changes,
    may_act_on,
    require_role,
)
from workspace.approving import ApprovalError, approve
from workspace.schemas import (
    AdjustRequest,
    ApproveRequest,
    ApproveResult,
    ProposalCreate,
    ProposalPublic,
    ProposalStarted,
)
from workspace.solving import UnknownTeamError, submit
from workspace.state import NoDataError
from workspace.views import proposal_public

router = APIRouter(tags=["proposals"])
Manager = Annotated[Signed, Depends(require_role(*APPROVERS_AND_MANAGERS))]
Approver = Annotated[Signed, Depends(require_role("team_manager", "head_of_service"))]


def start(
    db: Any,
    current: Signed,
    team_ids: list[str],
    options: dict[str, Any],
    adjustments: list[dict[str, Any]] | None = None,
    parent_id: int | None = None,
) -> int:
    try:
        proposal = submit(
            session=db,
            username=current.user.username,
            team_ids=team_ids,
            options=options,
            adjustments=adjustments or [],
            parent_id=parent_id,
        )
    except NoDataError as exc:
        raise HTTPException(409, str(exc)) from None
    except UnknownTeamError as exc:
        raise HTTPException(404, str(exc)) from None
    db.commit()
    return proposal.id


@router.post(
    "/proposals",
    status_code=202,
    response_model=ProposalStarted,
    dependencies=[Depends(changes)],
    responses={403: {}, 404: {}, 409: {}},
)
def create_proposal(
    body: ProposalCreate, request: Request, db: SessionDep, current: Manager
) -> Any:
    """Start a solve for these teams on the current state; poll ``GET /api/proposals/{id}``."""
    audit(request).team_ids = list(body.team_ids)
    if not may_act_on(db, current, list(body.team_ids), write=True):
        raise HTTPException(403, "you may not allocate for these teams")
    options = body.options.model_dump(mode="json")
    return ProposalStarted(proposal_id=start(db, current, list(body.team_ids), options))


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic, responses={403: {}, 404: {}})
def read_proposal(proposal: ProposalDep) -> Any:
    """Status (queued, solving, done, failed), the state it is based on, and the contract's
    outputs as JSON."""
    return proposal_public(proposal)


def adjustments_of(body: AdjustRequest) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    out += [
        {"action": "pin", "child_id": p.child_id, "worker_id": p.worker_id, "reason": body.reason}
        for p in body.pin
    ]
    out += [
        {
            "action": "forbid",
            "child_id": p.child_id,
            "worker_id": p.worker_id,
            "reason": body.reason,
        }
        for p in body.forbid
    ]
    out += [
        {"action": "exclude", "child_id": None, "worker_id": w, "reason": body.reason}
        for w in body.exclude_workers
    ]
    return out


def check_adjustments(proposal: Any, new: list[dict[str, Any]]) -> None:
    """Children and workers of an adjustment must be in the proposal (422 otherwise)."""
    from workspace.solving import load_result

    if proposal.status != "done":
        raise HTTPException(409, f"the proposal is {proposal.status}: adjust a finished proposal")
    result = load_result(proposal)
    children = {a.child_id for a in result.allocations}
    workers = {w.worker_id for w in result.workers}
    problems = []
    for i, a in enumerate(new):
        if a["child_id"] is not None and a["child_id"] not in children:
            problems.append(
                {"item": i, "message": f"child {a['child_id']!r} is not in this proposal"}
            )
        if a["worker_id"] not in workers:
            problems.append(
                {"item": i, "message": f"worker {a['worker_id']!r} is not in this proposal's teams"}
            )
    if not new:
        problems.append(
            {"item": None, "message": "no change given: pin, forbid or exclude_workers"}
        )
    if problems:
        raise HTTPException(422, problems)


@router.post(
    "/proposals/{proposal_id}/adjust",
    status_code=202,
    response_model=ProposalStarted,
    dependencies=[Depends(changes)],
    responses={403: {}, 404: {}, 409: {}, 422: {}},
)
def adjust(body: AdjustRequest, proposal: ProposalDep, db: SessionDep, current: Manager) -> Any:
    """Re-solve with the manager's changes (pins, forbidden pairings, excluded workers) on top of
    the proposal's own: a new proposal, whose summary gives what the changes cost."""
    new = adjustments_of(body)
    check_adjustments(proposal, new)
    keyed = {(a["action"], a["child_id"], a["worker_id"]): a for a in [*proposal.adjustments, *new]}
    return ProposalStarted(
        proposal_id=start(
            db,
            current,
            list(proposal.team_ids),
            dict(proposal.options),
            list(keyed.values()),
            proposal.id,
        )
    )


@router.post(
    "/proposals/{proposal_id}/approve",
    response_model=ApproveResult,
    dependencies=[Depends(changes)],
    responses={202: {"model": ApproveResult}, 403: {}, 409: {}, 422: {}},
)
def approve_proposal(
    body: ApproveRequest, proposal: ProposalDep, db: SessionDep, current: Approver
) -> Any:
    """Apply the proposal as one transaction (200); a manager's approval of allocations that need
    a head of service waits for one (202)."""
    try:
        outcome = approve(
            session=db,
            proposal=proposal,
            username=current.user.username,
            role=current.user.role,
            decisions=[d.model_dump() for d in body.decisions],
            today=date.today(),
        )
        db.commit()
    except ApprovalError as exc:
        db.rollback()
        detail: Any = exc.problems if exc.problems else str(exc)
        return JSONResponse(status_code=exc.status, content={"detail": detail})
    if outcome.status == "awaiting_head_of_service":
        return JSONResponse(status_code=202, content={"status": outcome.status, "batch_id": None})
    return ApproveResult(status="applied", batch_id=outcome.batch_id)
