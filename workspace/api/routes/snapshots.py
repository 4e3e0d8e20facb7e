"""Imports: ``POST /api/snapshots`` (admin), and the mismatches an import found."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from starlette.datastructures import UploadFile

from workspace.api.deps import SessionDep, Signed, changes, require_role
from workspace.importing import (
    ImportProblems,
    import_data,
    read_upload,
    upload_from_form,
)
from workspace.importing import (
    confirm_mismatch as confirm,
)
from workspace.schemas import MismatchConfirm, MismatchPublic, Problem, SnapshotCreated
from workspace.tables import Mismatch

router = APIRouter(tags=["imports"])
Admin = Annotated[Signed, Depends(require_role("admin"))]

UPLOAD_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "teams.csv": {"type": "string", "format": "binary"},
                        "workers.csv": {"type": "string", "format": "binary"},
                        "children.csv": {"type": "string", "format": "binary"},
                        "reductions.csv": {"type": "string", "format": "binary"},
                        "overrides.csv": {"type": "string", "format": "binary"},
                        "adjustments.csv": {"type": "string", "format": "binary"},
                        "workbook": {"type": "string", "format": "binary"},
                        "policy": {"type": "string", "description": "preset name"},
                        "policy.toml": {"type": "string", "format": "binary"},
                        "as_of": {"type": "string", "format": "date"},
                    },
                }
            }
        },
    }
}


async def upload_of(
    request: Request,
) -> tuple[dict[str, tuple[str, bytes]], str | None, str | None]:
    """The multipart form's files and the ``policy`` and ``as_of`` fields."""
    try:
        form = await request.form(max_files=20, max_fields=20)
    except Exception:
        raise HTTPException(
            422,
            [
                Problem(
                    file="upload", row=None, column=None, message="not a multipart form"
                ).model_dump()
            ],
        ) from None
    files: dict[str, tuple[str, bytes]] = {}
    fields: dict[str, str] = {}
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            content = await value.read()
            if value.filename or content:  # a browser sends empty file inputs, unnamed
                files[key] = (value.filename or key, content)
        else:
            fields[key] = str(value)
    return files, fields.get("policy"), fields.get("as_of")


def do_import(
    db: Any,
    username: str,
    files: dict[str, tuple[str, bytes]],
    policy: str | None,
    as_of: str | None,
) -> Any:
    """Read and import an upload in one transaction: the snapshot, or ImportProblems."""
    try:
        day = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise ImportProblems(
            [
                {
                    "file": "as_of",
                    "row": None,
                    "column": None,
                    "message": f"{as_of!r} is not a date (YYYY-MM-DD)",
                }
            ]
        ) from None
    upload = upload_from_form(files, policy)
    data, chosen, warnings = read_upload(upload)
    source = upload.workbook[0] if upload.workbook else ", ".join(f"{n}.csv" for n in upload.files)
    snapshot = import_data(
        session=db,
        data=data,
        policy=chosen,
        username=username,
        source=source,
        as_of=day,
        warnings=warnings,
    )
    mismatches = len(
        db.scalars(select(Mismatch.id).where(Mismatch.snapshot_id == snapshot.id)).all()
    )
    db.commit()
    return snapshot, warnings, mismatches


@router.post(
    "/snapshots",
    status_code=201,
    response_model=SnapshotCreated,
    openapi_extra=UPLOAD_DOC,
    dependencies=[Depends(changes)],
    responses={422: {"description": "every problem, by file, row and column"}},
)
async def create_snapshot(request: Request, db: SessionDep, current: Admin) -> Any:
    """Import the contract's CSVs or one workbook, with a preset or the council's policy.toml,
    as the new current state. Nothing changes on error."""
    files, policy, as_of = await upload_of(request)
    try:
        snapshot, warnings, mismatches = do_import(db, current.user.username, files, policy, as_of)
    except ImportProblems as exc:
        db.rollback()
        return JSONResponse(status_code=422, content={"detail": exc.problems})
    return SnapshotCreated(
        snapshot_id=snapshot.id, warnings=[Problem(**w) for w in warnings], mismatches=mismatches
    )


def mismatch_public(m: Mismatch) -> MismatchPublic:
    return MismatchPublic(
        mismatch_id=m.id,
        team_id=m.team_id,
        child_id=m.child_id,
        approved_worker_id=m.approved_worker_id,
        export_worker_id=m.export_worker_id,
        confirmed_by=m.confirmed_by,
    )


@router.get("/mismatches", response_model=list[MismatchPublic])
def list_mismatches(db: SessionDep, current: Admin) -> Any:
    """Approved allocations the last export did not show, for the admin to confirm."""
    rows = db.scalars(select(Mismatch).order_by(Mismatch.id.desc()).limit(1000))
    return [mismatch_public(m) for m in rows]


@router.post(
    "/mismatches/{mismatch_id}/confirm",
    response_model=MismatchPublic,
    dependencies=[Depends(changes)],
)
def confirm_mismatch(
    mismatch_id: Annotated[int, Path(ge=1, le=2**62)],
    body: MismatchConfirm,
    db: SessionDep,
    current: Admin,
    request: Request,
) -> Any:
    """Confirm the approved worker (``keep: approved``) or take the export's (``keep: export``)."""
    m = db.get(Mismatch, mismatch_id)
    if m is None:
        raise HTTPException(404, f"no mismatch {mismatch_id}")
    request.state.audit.team_ids = [m.team_id]
    if m.confirmed_by is not None:
        raise HTTPException(409, "already confirmed")
    try:
        confirm(session=db, mismatch=m, keep=body.keep, username=current.user.username)
    except ValueError as exc:
        db.rollback()
        raise HTTPException(409, str(exc)) from None
    db.commit()
    return mismatch_public(m)
