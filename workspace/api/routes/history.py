"""The record: ``GET /api/history?team_id=T``, escalations, a worker's caseload over time."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path

from workspace.api.deps import SessionDep, Signed, TeamId, may_act_on, require_role, visible_teams
from workspace.history import period_averages
from workspace.schemas import Escalations, History
from workspace.state import current_snapshot
from workspace.views import escalation_list, history

router = APIRouter(tags=["history"])


@router.get("/history", response_model=History, responses={403: {}})
def team_history(team_id: TeamId, db: SessionDep) -> Any:
    """Approved batches: who, when, each decision and its reason."""
    return history(session=db, team_id=team_id)


@router.get("/history/averages", responses={403: {}})
def team_averages(team_id: TeamId, db: SessionDep, period: str = "month") -> Any:
    """The team's caseload per week (001 s.5 item 5) or month (s.5 item 6)."""
    if period not in ("week", "month"):
        raise HTTPException(422, "period is 'week' or 'month'")
    return period_averages(session=db, team_id=team_id, period=period)


@router.get("/escalations", response_model=Escalations)
def list_escalations(
    db: SessionDep, current: Annotated[Signed, Depends(require_role("head_of_service", "admin"))]
) -> Any:
    """Workers above the maximum for more than the policy's months (two in Barnet 001 s.5 item 4);
    overrides past their review date."""
    if current_snapshot(db) is None:
        return {"escalation_months": 2, "workers_above_maximum": [], "overrides_past_review": []}
    teams = (
        None if current.user.role == "admin" else [t.team_id for t in visible_teams(db, current)]
    )
    return escalation_list(session=db, today=date.today(), team_ids=teams)


@router.get("/workers/{worker_id}/history", responses={403: {}})
def worker_history(
    worker_id: Annotated[str, Path(max_length=100)],
    db: SessionDep,
    current: Annotated[
        Signed,
        Depends(require_role("team_manager", "head_of_service", "planner", "admin", "worker")),
    ],
) -> Any:
    """One worker's caseload over time (a worker sees only their own)."""
    from workspace.history import worker_timeline

    rows = worker_timeline(session=db, worker_id=worker_id)
    teams = sorted({r["team_id"] for r in rows})
    own = current.user.role == "worker" and current.user.worker_id == worker_id
    if not own and (
        current.user.role == "worker" or not may_act_on(db, current, teams, write=False)
    ):
        raise HTTPException(403, f"you may not see worker {worker_id}")
    return rows
