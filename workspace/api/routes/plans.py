"""Planners' read-only views of scenario plans' output folders (``Settings.plans_dir``).

Each sub-folder of ``plans_dir`` that is a plan's output (the files of the
scenario format: ``comparison.csv``, ``summary.json``, ``variants/``) is listed;
its comparison is returned as rows, its chart is the planner's, and its report
is the ``reports`` package's page. Planners and admins run plans from here too
(``POST /api/plan-runs``): a job the solver processes run (``workspace.planning``),
whose plan folder then appears in the list.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path as FsPath
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Path, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse

from scenarios import PlanError
from workspace.api.deps import (
    PlanningReader,
    PlanningRunner,
    SessionDep,
    SettingsDep,
    Signed,
    audit,
)
from workspace.core.config import Settings
from workspace.jobs import RunRefused, cancel_run
from workspace.planning import (
    NAME_PATTERN,
    PlanRunRefused,
    example_plan,
    example_plans,
    plan_run_public,
    plan_runs,
    problem_parts,
    submit_plan_run,
)
from workspace.schemas import ExamplePlanPublic, PlanRunPublic, PlanRunStarted
from workspace.state import current_snapshot, team_rows
from workspace.tables import PlanRunJob

router = APIRouter(tags=["plans"])
PlanName = Annotated[str, Path(pattern=r"^[\w.-]{1,100}$")]
MAX_PLAN_BYTES = 1_000_000


def plan_folders(settings: Settings) -> list[FsPath]:
    """The plan output folders under ``plans_dir``, by name."""
    from reports import folder_kind

    root = settings.plans_dir
    if root is None or not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and p.name[:1] != "."):
        try:
            if folder_kind(folder) == "plan":
                found.append(folder)
        except Exception:
            continue
    return found


def plan_folder(settings: Settings, name: str) -> FsPath:
    for folder in plan_folders(settings):
        if folder.name == name:
            return folder
    raise HTTPException(404, f"no plan {name!r} in the plans folder")


def comparison(folder: FsPath) -> list[dict[str, Any]]:
    text = (folder / "comparison.csv").read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


@router.get("/plans")
def list_plans(settings: SettingsDep, current: PlanningReader) -> list[dict[str, Any]]:
    """The plans' output folders a planner can read."""
    return [{"name": f.name, "variants": len(comparison(f))} for f in plan_folders(settings)]


@router.get("/plans/{name}")
def read_plan(name: PlanName, settings: SettingsDep, current: PlanningReader) -> dict[str, Any]:
    """A plan's comparison: one row per variant, ``base`` first."""
    folder = plan_folder(settings, name)
    return {"name": name, "comparison": comparison(folder)}


@router.get("/plans/{name}/report", response_class=HTMLResponse)
def plan_report(name: PlanName, settings: SettingsDep, current: PlanningReader) -> HTMLResponse:
    """The plan's report page, with the reports' charts."""
    from reports import build_report, render_html

    folder = plan_folder(settings, name)
    try:
        page = render_html(build_report(folder))
    except Exception as exc:
        raise HTTPException(422, f"the plan's folder cannot be read: {exc}") from None
    # The report is one self-contained page whose sorting and filters are inline scripts.
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    return HTMLResponse(page, headers={"Content-Security-Policy": csp})


@router.get("/plans/{name}/comparison.svg", response_class=FileResponse)
def plan_chart(name: PlanName, settings: SettingsDep, current: PlanningReader) -> FileResponse:
    """The plan's comparison chart (the key measures per variant, the base in grey)."""
    chart = plan_folder(settings, name) / "comparison.svg"
    if not chart.is_file():
        raise HTTPException(404, f"the plan {name!r} has no chart")
    return FileResponse(chart, media_type="image/svg+xml")


@router.get("/plan-examples", response_model=list[ExamplePlanPublic])
def list_examples(current: PlanningReader) -> list[dict[str, Any]]:
    """The planner's example plans, which run on the example authority."""
    return [{**vars(e), "variants": list(e.variants)} for e in example_plans()]


@router.get("/plan-examples/{file}", response_class=PlainTextResponse)
def example_text(
    file: Annotated[str, Path(pattern=r"^[\w.-]{1,100}$")], current: PlanningReader
) -> PlainTextResponse:
    """An example plan's TOML, to download and adapt."""
    try:
        example = example_plan(file)
    except PlanRunRefused as exc:
        raise HTTPException(exc.status, str(exc)) from None
    return PlainTextResponse(
        example.text,
        media_type="application/toml",
        headers={"Content-Disposition": f'attachment; filename="{example.file}"'},
    )


def plan_file_name(filename: str | None) -> str:
    """The uploaded plan file's name, kept to letters, digits, ``_ . -`` and ending ``.toml``."""
    stem = re.sub(r"[^\w.-]+", "-", PurePath(filename or "plan.toml").name).strip(".-")
    stem = stem[:95] or "plan"
    return stem if stem.lower().endswith(".toml") else f"{stem}.toml"


async def plan_text(upload: UploadFile) -> str:
    content = await upload.read(MAX_PLAN_BYTES + 1)
    name = plan_file_name(upload.filename)
    if len(content) > MAX_PLAN_BYTES:
        raise PlanError([f"{name}: larger than {MAX_PLAN_BYTES // 1000} kB: not a plan file"])
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PlanError([f"{name}: not UTF-8 text: save the plan as UTF-8"]) from None


async def start_plan_run(
    request: Request,
    db: Any,
    settings: Settings,
    current: Signed,
    *,
    example: str | None,
    plan: UploadFile | None,
    base: str | None,
    service: str | None,
    name: str | None,
    work_limit: float,
    time_limit: float,
    replace: bool,
) -> PlanRunJob:
    """Check and queue a plan run for the API and the page; raises ``PlanRunRefused`` or
    ``PlanError``."""
    audit(request).action = "change"
    uploaded = plan is not None and bool(plan.filename)
    if example and uploaded:
        raise PlanRunRefused(
            422, "an example plan was chosen and a plan file uploaded: choose one of them"
        )
    if not example and not uploaded:
        raise PlanRunRefused(422, "choose an example plan or upload a plan file")
    if example:
        chosen = example_plan(example)
        file, text = chosen.file, chosen.text
    else:
        assert plan is not None
        file, text = plan_file_name(plan.filename), await plan_text(plan)
    base = base or ("example" if example else "workspace")
    service = service or None
    if base == "workspace":
        snapshot = current_snapshot(db)
        if snapshot is not None:
            audit(request).team_ids = [
                t.team_id
                for t in team_rows(db, snapshot.id)
                if service is None or t.service == service
            ]
    job = submit_plan_run(
        session=db,
        plans_dir=settings.plans_dir,
        username=current.user.username,
        plan_file=file,
        plan_toml=text,
        example=bool(example),
        base=base,
        service=service,
        name=name or None,
        settings={"work_limit": work_limit, "time_limit": time_limit, "replace": replace},
    )
    db.commit()
    return job


@router.post("/plan-runs", status_code=202, response_model=PlanRunStarted)
async def create_plan_run(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    current: PlanningRunner,
    example: Annotated[
        str | None, Form(max_length=100, description="an example plan's file")
    ] = None,
    plan: Annotated[UploadFile | None, File(description="a plan file (TOML)")] = None,
    base: Annotated[
        str | None,
        Form(
            pattern="^(example|workspace)$",
            description="[example plan: example; upload: workspace]",
        ),
    ] = None,
    service: Annotated[str | None, Form(max_length=100)] = None,
    name: Annotated[str | None, Form(pattern=NAME_PATTERN, description="the plan folder")] = None,
    work_limit: Annotated[float, Form(gt=0, le=600)] = 10.0,
    time_limit: Annotated[float, Form(gt=0, le=3600)] = 120.0,
    replace: Annotated[bool, Form()] = False,
) -> Any:
    """Run a scenario plan (an example, or an uploaded plan file) on the example authority or
    the workspace's current data: 202, then ``GET /api/plan-runs/{run_id}``."""
    try:
        job = await start_plan_run(
            request,
            db,
            settings,
            current,
            example=example,
            plan=plan,
            base=base,
            service=service,
            name=name,
            work_limit=work_limit,
            time_limit=time_limit,
            replace=replace,
        )
    except PlanRunRefused as exc:
        db.rollback()
        raise HTTPException(exc.status, str(exc)) from None
    except PlanError as exc:
        db.rollback()
        return JSONResponse({"detail": [problem_parts(p) for p in exc.problems]}, status_code=422)
    return {"run_id": job.id, "name": job.name, "status": job.status}


@router.post("/plan-runs/{run_id}/cancel", response_model=PlanRunPublic)
def cancel_plan_run(
    run_id: Annotated[int, Path(ge=1, le=2**62)],
    request: Request,
    db: SessionDep,
    current: PlanningRunner,
) -> dict[str, Any]:
    """Cancel a plan run: a queued one ends now (``cancelled``), a running one stops after
    the variant in hand (``cancelling``, then ``cancelled``); nothing is written. 409 when
    it has already ended."""
    audit(request).action = "change"
    try:
        cancel_run(db, PlanRunJob, run_id, current.user.username)
    except RunRefused as exc:
        raise HTTPException(exc.status, str(exc)) from None
    db.commit()
    job = db.get(PlanRunJob, run_id)
    assert job is not None
    return plan_run_public(job)


@router.get("/plan-runs", response_model=list[PlanRunPublic])
def list_plan_runs(db: SessionDep, current: PlanningReader) -> list[dict[str, Any]]:
    """The latest plan runs (50), newest first."""
    return [plan_run_public(j) for j in plan_runs(db)]


@router.get("/plan-runs/{run_id}", response_model=PlanRunPublic)
def read_plan_run(
    run_id: Annotated[int, Path(ge=1, le=2**62)], db: SessionDep, current: PlanningReader
) -> dict[str, Any]:
    """A plan run: status, stage and progress; then its comparison, or its problems."""
    job = db.get(PlanRunJob, run_id)
    if job is None:
        raise HTTPException(404, f"no plan run {run_id}")
    return plan_run_public(job)
