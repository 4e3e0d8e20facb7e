"""Planners' views: the plans' comparisons, charts and reports; running a plan (planner,
admin) with its progress, then its comparison or its problems."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from scenarios import PlanError
from workspace.api.deps import (
    PLANNING_RUNNERS,
    PlanningReader,
    SessionDep,
    SettingsDep,
    Signed,
    check_role,
)
from workspace.api.routes.plans import comparison, plan_folder, plan_folders, start_plan_run
from workspace.planning import (
    PlanRunRefused,
    compared,
    example_plans,
    plan_run_public,
    plan_runs,
    problem_parts,
)
from workspace.state import current_snapshot, team_rows
from workspace.tables import PlanRunJob
from workspace.web.pages import FormUser, cancel_from_page, render

router = APIRouter()


def plans_view(
    request: Request, db: Any, settings: Any, current: Signed, status_code: int = 200, **extra: Any
) -> Response:
    plans = [{"name": f.name, "rows": comparison(f)} for f in plan_folders(settings)]
    snapshot = current_snapshot(db)
    services = sorted({t.service for t in team_rows(db, snapshot.id)}) if snapshot else []
    return render(
        request,
        "plans.html",
        status_code=status_code,
        title="Scenario plans",
        plans=plans,
        plans_dir=settings.plans_dir,
        runs=[plan_run_public(j) for j in plan_runs(db, limit=20)],
        may_run=current.user.role in PLANNING_RUNNERS,
        examples=example_plans() if current.user.role in PLANNING_RUNNERS else (),
        services=services,
        has_data=snapshot is not None,
        given=extra.pop("given", {}),
        **extra,
    )


@router.get("/plans")
def plans_page(
    request: Request, db: SessionDep, settings: SettingsDep, current: PlanningReader
) -> Response:
    return plans_view(request, db, settings, current)


@router.post("/plans/run")
async def run_page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    current: FormUser,
    source: Annotated[str, Form(max_length=100)],
    on: Annotated[str, Form(max_length=120)] = "example",
    plan: Annotated[UploadFile | None, File()] = None,
    name: Annotated[str, Form(max_length=1_000_000)] = "",
    work_limit: Annotated[str, Form(max_length=1_000_000)] = "10",
    time_limit: Annotated[str, Form(max_length=1_000_000)] = "120",
    replace: Annotated[bool, Form()] = False,
) -> Response:
    """Start a plan run from the plans page; its page shows the progress."""
    check_role(current, PLANNING_RUNNERS)
    base, _, service = on.partition(":")
    given = {
        "source": source,
        "on": on,
        "name": name,
        "work_limit": work_limit,
        "time_limit": time_limit,
        "replace": replace,
    }
    limits, wrong = {}, []
    for field, text, most, label in (
        ("work_limit", work_limit, 600.0, "Work limit"),
        ("time_limit", time_limit, 3600.0, "Time limit"),
    ):
        try:
            value = float(text.strip())
        except ValueError:
            value = math.nan
        if not 0 < value <= most:  # (NaN fails too)
            wrong.append(
                f"{label}: {text.strip()[:40]!r} is not a number above 0 and at most {most:g}"
            )
        limits[field] = value
    if wrong:
        return plans_view(
            request,
            db,
            settings,
            current,
            status_code=422,
            error="The plan was not run: " + "; ".join(wrong),
            given=given,
        )
    work_limit_s, time_limit_s = limits["work_limit"], limits["time_limit"]
    try:
        job = await start_plan_run(
            request,
            db,
            settings,
            current,
            example=None if source == "upload" else source,
            plan=plan,  # a file uploaded beside a chosen example is refused, not ignored
            base=base,
            service=service or None,
            name=name.strip() or None,
            work_limit=work_limit_s,
            time_limit=time_limit_s,
            replace=replace,
        )
    except PlanRunRefused as exc:
        db.rollback()
        return plans_view(
            request, db, settings, current, status_code=exc.status, error=str(exc), given=given
        )
    except PlanError as exc:
        db.rollback()
        problems = [problem_parts(p) for p in exc.problems]
        return plans_view(
            request,
            db,
            settings,
            current,
            status_code=422,
            error="The plan was not run",
            problems=problems,
            given=given,
        )
    return RedirectResponse(f"/plans/runs/{job.id}", status_code=303)


@router.post("/plans/runs/{run_id}/cancel")
def cancel_page(request: Request, run_id: int, db: SessionDep, current: FormUser) -> Response:
    """*Cancel this run* on a run's page (planners and admins)."""
    return cancel_from_page(request, db, current, PlanRunJob, run_id, f"/plans/runs/{run_id}")


@router.get("/plans/runs/{run_id}")
def run_status_page(
    request: Request, run_id: int, db: SessionDep, current: PlanningReader
) -> Response:
    job = db.get(PlanRunJob, run_id)
    if job is None:
        raise HTTPException(404, f"no plan run {run_id}")
    view = plan_run_public(job)
    rows = compared(view["comparison"])
    return render(
        request,
        "plan_run.html",
        title=f"Plan run {run_id}",
        r=view,
        rows=rows,
        columns=list(rows[0]) if rows else [],
    )


@router.get("/plans/{name}")
def plan_page(
    request: Request, name: str, settings: SettingsDep, current: PlanningReader
) -> Response:
    folder = plan_folder(settings, name)
    rows = compared(comparison(folder))
    return render(
        request,
        "plan.html",
        title=f"Plan {name}",
        name=name,
        rows=rows,
        columns=list(rows[0]) if rows else [],
        chart=(folder / "comparison.svg").is_file(),
    )
