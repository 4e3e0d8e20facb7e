"""A team's current caseloads: ``GET /api/caseloads?team_id=T``, and a worker's own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException

from workspace.api.deps import SessionDep, Signed, TeamId, require_role
from workspace.schemas import Caseloads, WorkerCaseload
from workspace.views import NotFound, caseloads

router = APIRouter(tags=["caseloads"])


@router.get("/caseloads", response_model=Caseloads, responses={403: {}, 404: {}})
def team_caseloads(team_id: TeamId, db: SessionDep) -> Any:
    """Current workers with their children, load, capacity, caps and bands; and the team's
    waiting children."""
    try:
        return caseloads(session=db, team_id=team_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/my-caseload", response_model=WorkerCaseload, responses={404: {}})
def my_caseload(db: SessionDep, current: Annotated[Signed, Depends(require_role("worker"))]) -> Any:
    """A worker's own caseload and weighted load (read-only)."""
    from workspace.views import worker_caseload

    try:
        return worker_caseload(session=db, worker_id=current.user.worker_id or "")
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
