"""``GET /api/approvals``: proposals awaiting a head of service's approval."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from workspace.api.deps import SessionDep, Signed, require_role
from workspace.schemas import AwaitingApproval
from workspace.state import current_snapshot
from workspace.views import awaiting

router = APIRouter(tags=["approvals"])


@router.get("/approvals", response_model=list[AwaitingApproval])
def list_approvals(
    db: SessionDep, current: Annotated[Signed, Depends(require_role("head_of_service", "admin"))]
) -> Any:
    """Proposals awaiting a head of service (of the caller's services), with the decisions
    that need it."""
    if current_snapshot(db) is None:
        return []
    services = None if current.user.role == "admin" else current.services
    return awaiting(session=db, services=services)
