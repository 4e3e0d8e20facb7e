"""Every JSON route under ``/api``."""

from __future__ import annotations

from fastapi import APIRouter

from workspace.api.routes import (
    admin,
    approvals,
    caseloads,
    exports,
    forecasts,
    history,
    plans,
    proposals,
    session,
    snapshots,
)

api_router = APIRouter(prefix="/api")
for module in (
    session,
    snapshots,
    caseloads,
    proposals,
    approvals,
    history,
    exports,
    plans,
    forecasts,
    admin,
):
    api_router.include_router(module.router)
