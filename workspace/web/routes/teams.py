"""Teams and their caseloads; starting an allocation."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from workspace.api.deps import SessionDep, Signed, may_act_on, require_role, visible_teams
from workspace.api.routes.proposals import start
from workspace.state import current_snapshot
from workspace.views import NotFound, caseloads
from workspace.web.pages import FormUser, render

router = APIRouter()
Reader = Annotated[
    Signed, Depends(require_role("team_manager", "head_of_service", "planner", "admin"))
]


@router.get("/teams")
def teams_page(request: Request, db: SessionDep, current: Reader) -> Response:
    teams = visible_teams(db, current)
    rows = []
    for t in teams:
        workers = t.loads.get("workers", [])
        rows.append(
            {
                "team_id": t.team_id,
                "name": t.record.get("name") or t.team_id,
                "service": t.service,
                "workers": len(workers),
                "children": sum(w["children_after"] for w in workers),
                "above": sum(1 for w in workers if (w.get("utilisation") or 0) > 1 + 1e-9),
            }
        )
    snapshot = current_snapshot(db)
    return render(
        request,
        "teams.html",
        title="Teams",
        teams=rows,
        snapshot=snapshot,
        can_run=current.user.role in ("team_manager", "head_of_service", "admin"),
    )


@router.get("/teams/{team_id}")
def team_page(request: Request, team_id: str, db: SessionDep, current: Reader) -> Response:
    if not may_act_on(db, current, [team_id], write=False):
        raise HTTPException(403, f"you may not see team {team_id}")
    request.state.audit.team_ids = [team_id]
    try:
        view = caseloads(session=db, team_id=team_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    can_run = may_act_on(db, current, [team_id], write=True) and current.user.role != "planner"
    snapshot = current_snapshot(db)
    return render(
        request,
        "team.html",
        title=f"Team {view['name'] or team_id}",
        team=view,
        can_run=can_run,
        as_of=snapshot.as_of if snapshot else date.today(),
    )


@router.post("/allocate")
def allocate_page(
    request: Request,
    db: SessionDep,
    current: FormUser,
    team_ids: Annotated[list[str], Form(min_length=1)],
    as_of: Annotated[str, Form(max_length=10)] = "",
    work_limit: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Start an allocation for one team (a manager) or several (a head of service)."""
    request.state.audit.team_ids = list(team_ids)
    if current.user.role not in ("team_manager", "head_of_service", "admin") or not may_act_on(
        db, current, team_ids, write=True
    ):
        raise HTTPException(403, "you may not allocate for these teams")
    options: dict[str, object] = {}
    try:
        if as_of:
            options["as_of"] = date.fromisoformat(as_of).isoformat()
        if work_limit:
            limit = float(work_limit)
            if not 0 < limit <= 600:
                raise ValueError
            options["work_limit"] = limit
    except ValueError:
        raise HTTPException(
            422, "the date is YYYY-MM-DD and the work limit a number from 0 to 600"
        ) from None
    proposal_id = start(db, current, list(team_ids), options)
    return RedirectResponse(f"/proposals/{proposal_id}", status_code=303)
