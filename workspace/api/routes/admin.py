"""Admin: users, the access log, retention deletions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from workspace import crud
from workspace.api.deps import SessionDep, SettingsDep, Signed, changes, require_role
from workspace.retention import delete_before
from workspace.schemas import RetentionRequest, RetentionResult
from workspace.tables import RetentionDeletion

router = APIRouter(tags=["admin"])
Admin = Annotated[Signed, Depends(require_role("admin"))]


@router.get("/users")
def list_users(db: SessionDep, current: Admin) -> list[dict[str, Any]]:
    """Every user with role and scope (never a password hash)."""
    return [
        {
            "username": u.username,
            "role": u.role,
            "teams": crud.user_teams(session=db, user=u),
            "services": crud.user_services(session=db, user=u),
            "worker_id": u.worker_id,
            "active": u.active,
        }
        for u in crud.list_users(session=db)
    ]


@router.get("/access-log")
def access_log(
    db: SessionDep,
    current: Admin,
    team_id: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[dict[str, Any]]:
    """Who viewed or changed which team's data, and when (newest first)."""
    return [
        {
            "at": r.at,
            "username": r.username,
            "role": r.role,
            "action": r.action,
            "route": r.route,
            "team_ids": r.team_ids.split(",") if r.team_ids else [],
            "status_code": r.status_code,
        }
        for r in crud.access_log(session=db, team_id=team_id, limit=limit)
    ]


@router.post("/retention", response_model=RetentionResult, dependencies=[Depends(changes)])
def delete_old_records(
    body: RetentionRequest, db: SessionDep, settings: SettingsDep, current: Admin
) -> Any:
    """Delete children's records older than the retention period (or ``before``), recorded."""
    cutoff = body.before or date.today() - timedelta(days=settings.retention_days)
    counts = delete_before(session=db, cutoff=cutoff, username=current.user.username)
    db.commit()
    return RetentionResult(cutoff=cutoff, deleted=counts)


@router.get("/retention")
def retention_record(db: SessionDep, current: Admin) -> list[dict[str, Any]]:
    """Every retention deletion: who, when, the cut-off, how many rows."""
    rows = db.scalars(select(RetentionDeletion).order_by(RetentionDeletion.id.desc()))
    return [
        {"at": r.at, "username": r.username, "cutoff": r.cutoff, "deleted": r.counts} for r in rows
    ]
