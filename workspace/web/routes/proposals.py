"""A proposal: progress while it solves, then review, adjust, why-not, approve."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from allocator import UnknownChildError, explain_child
from workspace import crud
from workspace.api.deps import ProposalDep, SessionDep, Signed, require_role
from workspace.api.routes.proposals import adjustments_of, check_adjustments, start
from workspace.approving import ApprovalError, approve, needing_approval
from workspace.exports import allocation_report
from workspace.schemas import AdjustRequest, Pairing
from workspace.solving import load_result
from workspace.views import proposal_public, worker_names
from workspace.web.pages import FormUser, render

router = APIRouter()
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
)


@router.get("/proposals/{proposal_id}")
def proposal_page(request: Request, proposal: ProposalDep, db: SessionDep) -> Response:
    view = proposal_public(proposal)
    context: dict[str, Any] = {"p": view, "title": f"Proposal {proposal.id}"}
    if proposal.status == "done":
        result = load_result(proposal)
        context["needing"] = {a.child_id for a in needing_approval(result)}
        context["names"] = worker_names(db)
        context["approvals"] = crud.approvals_of(session=db, proposal_id=proposal.id)
        if context["approvals"]:  # the manager's reasons, for the head of service to read
            context["given"] = {d["child_id"]: d for d in context["approvals"][-1].decisions}
        context["workers"] = sorted({w.worker_id for w in result.workers})
        context["children"] = sorted(
            a.child_id for a in result.allocations if a.status.value != "kept"
        )
    return render(request, "proposal.html", **context)


@router.get("/proposals/{proposal_id}/why/{child_id}")
def why_page(request: Request, proposal: ProposalDep, child_id: str) -> Response:
    if proposal.status != "done":
        raise HTTPException(409, f"the proposal is {proposal.status}")
    try:
        explanation = explain_child(load_result(proposal), child_id)
    except UnknownChildError as exc:
        raise HTTPException(404, str(exc)) from None
    return render(request, "why.html", title=f"Why {child_id}", p=proposal, e=explanation)


@router.get("/proposals/{proposal_id}/report")
def report_page(proposal: ProposalDep) -> Response:
    if proposal.status != "done":
        raise HTTPException(409, f"the proposal is {proposal.status}")
    page = allocation_report(load_result(proposal), "html")
    return HTMLResponse(page, headers={"Content-Security-Policy": REPORT_CSP})


@router.post("/proposals/{proposal_id}/adjust")
def adjust_page(
    proposal: ProposalDep,
    db: SessionDep,
    current: FormUser,
    action: Annotated[str, Form(max_length=20)],
    worker_id: Annotated[str, Form(min_length=1, max_length=100)],
    child_id: Annotated[str, Form(max_length=100)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    if current.user.role == "planner":
        raise HTTPException(403, "planners read only")
    reason = reason.strip() or "manager's adjustment"
    if action in ("pin", "forbid"):
        if not child_id:
            raise HTTPException(422, f"choose the child to {action}")
        pair = [Pairing(child_id=child_id, worker_id=worker_id)]
        body = AdjustRequest(
            pin=pair if action == "pin" else [],
            forbid=pair if action == "forbid" else [],
            reason=reason,
        )
    elif action == "exclude":
        body = AdjustRequest(exclude_workers=[worker_id], reason=reason)
    else:
        raise HTTPException(422, "the change is pin, forbid or exclude")
    new = adjustments_of(body)
    check_adjustments(proposal, new)
    keyed = {(a["action"], a["child_id"], a["worker_id"]): a for a in [*proposal.adjustments, *new]}
    new_id = start(
        db,
        current,
        list(proposal.team_ids),
        dict(proposal.options),
        list(keyed.values()),
        proposal.id,
    )
    return RedirectResponse(f"/proposals/{new_id}", status_code=303)


@router.post("/proposals/{proposal_id}/approve")
async def approve_page(
    request: Request, proposal: ProposalDep, db: SessionDep, current: FormUser
) -> Response:
    if current.user.role not in ("team_manager", "head_of_service"):
        raise HTTPException(403, "only a team manager or a head of service approves allocations")
    form = await request.form()
    decisions = []
    bad = []
    for key, value in form.multi_items():
        if key.startswith("reason_"):
            child = key.removeprefix("reason_")
            review = str(form.get(f"review_{child}") or "")
            try:
                day = date.fromisoformat(review) if review else None
            except ValueError:
                bad.append({"child_id": child, "message": "the review date is not a date"})
                day = None
            decisions.append({"child_id": child, "reason": str(value)[:2000], "review_date": day})
    try:
        if bad:
            raise ApprovalError(422, "check the review dates", bad)
        outcome = approve(
            session=db,
            proposal=proposal,
            username=current.user.username,
            role=current.user.role,
            decisions=decisions,
            today=date.today(),
        )
        db.commit()
    except ApprovalError as exc:
        db.rollback()
        view = proposal_public(proposal)
        result = load_result(proposal) if proposal.status == "done" else None
        return render(
            request,
            "proposal.html",
            status_code=exc.status,
            title=f"Proposal {proposal.id}",
            p=view,
            needing={a.child_id for a in needing_approval(result)} if result else set(),
            names=worker_names(db),
            approvals=crud.approvals_of(session=db, proposal_id=proposal.id),
            workers=sorted({w.worker_id for w in result.workers}) if result else [],
            children=sorted(a.child_id for a in result.allocations if a.status.value != "kept")
            if result
            else [],
            error=str(exc),
            problems=exc.problems,
            given={d["child_id"]: d for d in decisions},
        )
    if outcome.status == "awaiting_head_of_service":
        return RedirectResponse(f"/proposals/{proposal.id}?awaiting=1", status_code=303)
    return RedirectResponse(f"/batches/{outcome.batch_id}", status_code=303)


@router.get("/approvals")
def approvals_page(
    request: Request,
    db: SessionDep,
    current: Annotated[Signed, Depends(require_role("head_of_service", "admin"))],
) -> Response:
    from workspace.state import current_snapshot
    from workspace.views import awaiting

    rows = (
        []
        if current_snapshot(db) is None
        else awaiting(
            session=db, services=None if current.user.role == "admin" else current.services
        )
    )
    return render(request, "approvals.html", title="Awaiting your approval", rows=rows)
