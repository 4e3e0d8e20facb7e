"""Every page."""

from __future__ import annotations

from fastapi import APIRouter

from workspace.web.routes import (
    admin,
    forecasts,
    history,
    imports,
    plans,
    proposals,
    signin,
    teams,
)

web_router = APIRouter(include_in_schema=False)
for module in (signin, teams, proposals, history, imports, admin, plans, forecasts):
    web_router.include_router(module.router)
