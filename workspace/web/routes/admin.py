"""Admin: users, the access log, retention deletions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select

from workspace import crud
from workspace.api.deps import SessionDep, SettingsDep, Signed, require_role
from workspace.retention import delete_before
from workspace.tables import RetentionDeletion
from workspace.web.pages import FormUser, render

router = APIRouter()
Admin = Annotated[Signed, Depends(require_role("admin"))]


def admin_view(request: Request, db: SessionDep, settings: SettingsDep, **context: Any) -> Response:
    users = [
        (u, crud.user_teams(session=db, user=u), crud.user_services(session=db, user=u))
        for u in crud.list_users(session=db)
    ]
    deletions = list(db.scalars(select(RetentionDeletion).order_by(RetentionDeletion.id.desc())))
    return render(
        request,
        "admin.html",
        title="Administration",
        users=users,
        log=crud.access_log(session=db, limit=200),
        deletions=deletions,
        retention_days=settings.retention_days,
        default_cutoff=date.today() - timedelta(days=settings.retention_days),
        **context,
    )


@router.get("/admin")
def admin_page(request: Request, db: SessionDep, settings: SettingsDep, current: Admin) -> Response:
    return admin_view(request, db, settings)


@router.post("/admin/retention")
def retention_submit(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    current: FormUser,
    before: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    if current.user.role != "admin":
        raise HTTPException(403, "this needs the role admin")
    try:
        cutoff = (
            date.fromisoformat(before)
            if before
            else date.today() - timedelta(days=settings.retention_days)
        )
    except ValueError:
        raise HTTPException(422, "the date is YYYY-MM-DD") from None
    counts = delete_before(session=db, cutoff=cutoff, username=current.user.username)
    db.commit()
    return admin_view(request, db, settings, deleted=counts, cutoff=cutoff)
