"""Import (admin): upload the contract's CSVs or a workbook, or load the example authority;
confirm mismatches."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from models import PRESETS
from workspace.api.deps import SessionDep, Signed, require_role
from workspace.api.routes.snapshots import do_import, upload_of
from workspace.core.security import same
from workspace.importing import ImportProblems, confirm_mismatch, import_data
from workspace.state import current_snapshot
from workspace.tables import Mismatch
from workspace.web.pages import FormUser, render

router = APIRouter()
Admin = Annotated[Signed, Depends(require_role("admin"))]


def import_page_view(
    request: Request, db: SessionDep, status_code: int = 200, **context: object
) -> Response:
    snapshot = current_snapshot(db)
    mismatches = []
    if snapshot is not None:
        mismatches = list(
            db.scalars(
                select(Mismatch)
                .where(Mismatch.snapshot_id == snapshot.id)
                .order_by(Mismatch.team_id, Mismatch.child_id)
            )
        )
    return render(
        request,
        "import.html",
        status_code=status_code,
        title="Import data",
        presets=list(PRESETS),
        snapshot=snapshot,
        mismatches=mismatches,
        **context,
    )


@router.get("/import")
def import_page(request: Request, db: SessionDep, current: Admin) -> Response:
    return import_page_view(request, db)


@router.post("/import")
async def import_submit(request: Request, db: SessionDep, current: Admin) -> Response:
    files, policy, as_of = await upload_of(request)
    form = await request.form()
    if not same(str(form.get("csrf_token") or ""), current.session.csrf_token):
        raise HTTPException(403, "the form has expired: reload the page and try again")
    request.state.audit.action = "change"
    try:
        snapshot, warnings, mismatches = do_import(db, current.user.username, files, policy, as_of)
    except ImportProblems as exc:
        db.rollback()
        return import_page_view(request, db, status_code=422, problems=exc.problems)
    return import_page_view(
        request, db, imported=snapshot.id, warnings=warnings, mismatch_count=mismatches
    )


@router.post("/import/example")
def import_example(
    request: Request,
    db: SessionDep,
    current: FormUser,
    policy: Annotated[str, Form(max_length=100)] = "default",
    seed: Annotated[int, Form(ge=0, le=2**31 - 1)] = 0,
) -> Response:
    """Load a generated example authority (sized like Stockton-on-Tees, DfE 2024)."""
    from models import load_policy
    from scenarios import generate_authority

    if current.user.role != "admin":
        raise HTTPException(403, "this needs the role admin")
    if policy not in PRESETS:
        raise HTTPException(422, f"{policy!r} is not a preset")
    chosen = load_policy(policy)
    as_of = date(2026, 11, 23)
    data = generate_authority(chosen, seed=seed, as_of=as_of)
    snapshot = import_data(
        session=db,
        data=data,
        policy=chosen,
        username=current.user.username,
        source=f"example authority (seed {seed})",
        as_of=as_of,
    )
    db.commit()
    return import_page_view(request, db, imported=snapshot.id, warnings=[], mismatch_count=0)


@router.post("/mismatches/{mismatch_id}")
def confirm_page(
    request: Request,
    mismatch_id: int,
    db: SessionDep,
    current: FormUser,
    keep: Annotated[str, Form(pattern="^(approved|export)$")] = "approved",
) -> Response:
    if current.user.role != "admin":
        raise HTTPException(403, "this needs the role admin")
    m = db.get(Mismatch, mismatch_id)
    if m is None:
        raise HTTPException(404, f"no mismatch {mismatch_id}")
    request.state.audit.team_ids = [m.team_id]
    if m.confirmed_by is None:
        try:
            confirm_mismatch(session=db, mismatch=m, keep=keep, username=current.user.username)
        except ValueError as exc:
            db.rollback()
            raise HTTPException(409, str(exc)) from None
        db.commit()
    return RedirectResponse("/import#mismatches", status_code=303)
