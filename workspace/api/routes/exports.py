"""Exports: any table as CSV or xlsx, a proposal's allocation report, a batch's case notes."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import Response

from workspace import exports
from workspace.api.deps import (
    ProposalDep,
    SessionDep,
    Signed,
    TeamId,
    audit,
    may_act_on,
    require_role,
)
from workspace.solving import load_result
from workspace.tables import Batch
from workspace.views import NotFound, batch_notes, caseloads, escalation_list, history

router = APIRouter(tags=["exports"])
Format = Literal["csv", "xlsx"]
TEAM_TABLES = ("caseloads", "waiting", "history")


def download(content: bytes, name: str, fmt: str) -> Response:
    """The file as an attachment; its name kept to letters, digits, '-' and '_'."""
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", name)[:100] or "export"
    return Response(
        content,
        media_type=exports.MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{safe}.{fmt}"'},
    )


def team_table(db: Any, table: str, team_id: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows and columns of one of a team's tables."""
    if table == "caseloads":
        rows = caseloads(session=db, team_id=team_id)["workers"]
        cols = [
            "worker_id",
            "name",
            "role",
            "fte",
            "capacity",
            "max_children",
            "children",
            "load",
            "load_per_fte",
            "utilisation",
            "band",
            "child_ids",
        ]
    elif table == "waiting":
        rows = caseloads(session=db, team_id=team_id)["waiting"]
        cols = ["child_id", "category", "level", "flags", "family_id", "referred_on"]
    else:
        rows = [
            {
                "batch_id": b["batch_id"],
                "approved_by": b["approved_by"],
                "head_of_service": b["head_of_service"],
                "approved_at": b["approved_at"],
                **d,
            }
            for b in history(session=db, team_id=team_id)["batches"]
            for d in b["decisions"]
        ]
        cols = [
            "batch_id",
            "approved_at",
            "approved_by",
            "head_of_service",
            "child_id",
            "worker_id",
            "worker_before",
            "status",
            "engine_reason",
            "reason",
            "review_date",
            "needs_approval",
        ]
    return rows, cols


@router.get("/exports/escalations.{fmt}")
def export_escalations(
    fmt: Format,
    db: SessionDep,
    current: Annotated[Signed, Depends(require_role("head_of_service", "admin"))],
) -> Response:
    """The escalation list (workers above the maximum too long) as CSV or xlsx."""
    from workspace.api.deps import visible_teams

    teams = (
        None if current.user.role == "admin" else [t.team_id for t in visible_teams(db, current)]
    )
    try:
        rows = escalation_list(session=db, today=date.today(), team_ids=teams)[
            "workers_above_maximum"
        ]
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    cols = [
        "worker_id",
        "team_id",
        "above_max_since",
        "months_above",
        "children",
        "max_children",
        "utilisation",
    ]
    return download(exports.table(rows, cols, fmt, "escalations"), "escalations", fmt)


@router.get("/exports/{table}.{fmt}", responses={403: {}, 404: {}})
def export_team_table(
    table: Literal["caseloads", "waiting", "history"], fmt: Format, team_id: TeamId, db: SessionDep
) -> Response:
    """A team's table (``caseloads``, ``waiting`` or ``history``) as CSV or xlsx."""
    audit_export = f"{table}-{team_id}"
    try:
        rows, cols = team_table(db, table, team_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return download(exports.table(rows, cols, fmt, table), audit_export, fmt)


@router.get("/proposals/{proposal_id}/export/{table}.{fmt}", responses={403: {}, 404: {}, 409: {}})
def export_proposal_table(
    table: Literal["allocations", "workers", "findings"], fmt: Format, proposal: ProposalDep
) -> Response:
    """A proposal's allocations, workers or findings as CSV or xlsx."""
    if proposal.status != "done":
        raise HTTPException(409, f"the proposal is {proposal.status}")
    result = load_result(proposal)
    if table == "allocations":
        rows = [a.model_dump(mode="json") for a in result.allocations]
        cols = list(type(result.allocations[0]).model_fields) if rows else ["child_id"]
    elif table == "workers":
        rows = [w.model_dump(mode="json") for w in result.workers]
        cols = list(type(result.workers[0]).model_fields) if rows else ["worker_id"]
    else:
        rows = [f.model_dump(mode="json") for f in result.findings]
        cols = ["kind", "entities", "message"]
    return download(exports.table(rows, cols, fmt, table), f"proposal-{proposal.id}-{table}", fmt)


@router.get("/proposals/{proposal_id}/report.{fmt}", responses={403: {}, 404: {}, 409: {}})
def proposal_report(fmt: Literal["html", "xlsx", "pdf"], proposal: ProposalDep) -> Response:
    """The allocation report (the ``reports`` package's page, workbook or PDF)."""
    if proposal.status != "done":
        raise HTTPException(409, f"the proposal is {proposal.status}")
    try:
        content = exports.allocation_report(load_result(proposal), fmt)
    except Exception as exc:  # no browser for a PDF
        raise HTTPException(503, f"the report could not be made: {exc}") from None
    if fmt == "html":
        return Response(content, media_type=exports.MEDIA["html"])
    return download(content, f"proposal-{proposal.id}-report", fmt)


def batch_access(
    request: Request,
    batch_id: Annotated[int, Path(ge=1, le=2**62)],
    db: SessionDep,
    current: Annotated[
        Signed, Depends(require_role("team_manager", "head_of_service", "admin", "planner"))
    ],
) -> Batch:
    batch = db.get(Batch, batch_id)
    if batch is None:
        raise HTTPException(404, f"no batch {batch_id}")
    audit(request).team_ids = list(batch.team_ids)
    if not may_act_on(db, current, list(batch.team_ids), write=False):
        raise HTTPException(403, "you may not see this batch's teams")
    return batch


@router.get("/batches/{batch_id}/case-notes.{fmt}", responses={403: {}, 404: {}})
def case_notes(
    fmt: Literal["csv", "xlsx", "txt"],
    batch: Annotated[Batch, Depends(batch_access)],
    db: SessionDep,
) -> Response:
    """The case note each allocation or transfer of a batch needs (Barnet 001 s.3.9-3.10)."""
    rows = batch_notes(session=db, batch=batch)
    if fmt == "txt":
        text = "\n\n".join(f"{r['child_id']} ({r['team_id']}):\n{r['note']}" for r in rows)
        return Response(
            text.encode(),
            media_type="text/plain; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="batch-{batch.id}-case-notes.txt"'
            },
        )
    return download(
        exports.table(
            rows, ["child_id", "team_id", "worker_id", "status", "note"], fmt, "case notes"
        ),
        f"batch-{batch.id}-case-notes",
        fmt,
    )
