"""The record: a team's history, a batch and its case notes, escalations, a worker over time."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from workspace import crud
from workspace.api.deps import SessionDep, Signed, TeamId, may_act_on, require_role, visible_teams
from workspace.api.routes.exports import batch_access
from workspace.history import period_averages, worker_timeline
from workspace.tables import Batch
from workspace.views import batch_notes, escalation_list, history

router = APIRouter()


@router.get("/history")
def history_page(request: Request, team_id: TeamId, db: SessionDep) -> Response:
    return render_history(request, db, team_id)


def render_history(request: Request, db: SessionDep, team_id: str) -> Response:
    from workspace.web.pages import render

    return render(
        request,
        "history.html",
        title=f"History of team {team_id}",
        team_id=team_id,
        h=history(session=db, team_id=team_id),
        weeks=period_averages(session=db, team_id=team_id, period="week")[:12],
        months=period_averages(session=db, team_id=team_id, period="month")[:12],
    )


@router.get("/batches/{batch_id}")
def batch_page(
    request: Request, batch: Annotated[Batch, Depends(batch_access)], db: SessionDep
) -> Response:
    from workspace.web.pages import render

    decisions = crud.decisions_of(session=db, batch_id=batch.id)
    notes = batch_notes(session=db, batch=batch)
    return render(
        request,
        "batch.html",
        title=f"Approved batch {batch.id}",
        batch=batch,
        decisions=decisions,
        notes=notes,
    )


@router.get("/escalations")
def escalations_page(
    request: Request,
    db: SessionDep,
    current: Annotated[Signed, Depends(require_role("head_of_service", "admin"))],
) -> Response:
    from workspace.state import current_snapshot
    from workspace.web.pages import render

    teams = (
        None if current.user.role == "admin" else [t.team_id for t in visible_teams(db, current)]
    )
    if current_snapshot(db) is None:
        data = {"escalation_months": 2, "workers_above_maximum": [], "overrides_past_review": []}
    else:
        data = escalation_list(session=db, today=date.today(), team_ids=teams)
    return render(request, "escalations.html", title="Escalations", e=data)


@router.get("/workers/{worker_id}")
def worker_page(
    request: Request,
    worker_id: str,
    db: SessionDep,
    current: Annotated[
        Signed,
        Depends(require_role("team_manager", "head_of_service", "planner", "admin", "worker")),
    ],
) -> Response:
    from workspace.web.pages import render

    rows = worker_timeline(session=db, worker_id=worker_id)
    teams = sorted({r["team_id"] for r in rows})
    own = current.user.role == "worker" and current.user.worker_id == worker_id
    if not own and (
        current.user.role == "worker" or not may_act_on(db, current, teams, write=False)
    ):
        raise HTTPException(403, f"you may not see worker {worker_id}")
    request.state.audit.team_ids = teams
    return render(
        request,
        "worker.html",
        title=f"Caseload of {worker_id} over time",
        worker_id=worker_id,
        rows=rows,
    )
