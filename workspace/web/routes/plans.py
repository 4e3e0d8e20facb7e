"""Planners' read-only views: the plans' comparisons and reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from workspace.api.deps import SettingsDep, Signed, require_role
from workspace.api.routes.plans import comparison, plan_folder, plan_folders
from workspace.web.pages import render

router = APIRouter()
Reader = Annotated[Signed, Depends(require_role("planner", "head_of_service", "admin"))]


@router.get("/plans")
def plans_page(request: Request, settings: SettingsDep, current: Reader) -> Response:
    plans = [{"name": f.name, "rows": comparison(f)} for f in plan_folders(settings)]
    return render(
        request, "plans.html", title="Scenario plans", plans=plans, plans_dir=settings.plans_dir
    )


@router.get("/plans/{name}")
def plan_page(request: Request, name: str, settings: SettingsDep, current: Reader) -> Response:
    folder = plan_folder(settings, name)
    rows = comparison(folder)
    return render(
        request,
        "plan.html",
        title=f"Plan {name}",
        name=name,
        rows=rows,
        columns=list(rows[0]) if rows else [],
    )
