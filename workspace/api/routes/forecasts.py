"""Forecasts from the browser: run one (planner, admin), follow its runs, read the
forecasts in the plans folder's ``forecasts/`` (planner, head of service, admin) with
their bands, fan charts and report, and compare them side by side.

A run is a job the solver processes take (``workspace.forecasting``); its folder
then appears in the list. Reading goes through the reports' public API
(``workspace.forecasts``).
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from workspace.api.deps import (
    PlanningReader,
    PlanningRunner,
    SessionDep,
    SettingsDep,
    Signed,
    audit,
)
from workspace.api.routes.plans import plan_file_name
from workspace.core.config import Settings
from workspace.forecasting import (
    BASES,
    MAX_FILE_BYTES,
    ForecastProblems,
    ForecastRequest,
    forecast_run_public,
    forecast_runs,
    form_request,
    problem,
    submit_every_variant,
    submit_forecast_run,
)
from workspace.forecasts import (
    AUTHORITY,
    band_row,
    compare,
    comparison_svg,
    fan_chart_of,
    forecast_names,
    overview,
    read_forecast,
)
from workspace.jobs import RunRefused, cancel_run
from workspace.planning import example_plans
from workspace.schemas import ForecastRunPublic, ForecastRunsStarted
from workspace.state import current_snapshot, team_rows
from workspace.tables import ForecastRunJob

router = APIRouter(tags=["forecasts"])
ForecastName = Annotated[str, Path(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")]
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
"""The report is one self-contained page whose sorting and filters are inline scripts."""


def refused(exc: RunRefused) -> HTTPException:
    return HTTPException(exc.status, str(exc))


def rates_file_name(filename: str | None) -> str:
    """The uploaded rates file's name, kept to letters, digits, ``_ . -`` and ending ``.csv``.

    Examples
    --------
    >>> rates_file_name("../my rates.CSV"), rates_file_name(None)
    ('my-rates.CSV', 'rates.csv')
    """
    stem = re.sub(r"[^\w.-]+", "-", PurePath(filename or "rates.csv").name).strip(".-")
    stem = stem[:95] or "rates"
    return stem if stem.lower().endswith(".csv") else f"{stem}.csv"


async def upload_text(
    upload: UploadFile | None, name: str, field: str
) -> tuple[tuple[str, str] | None, list[dict[str, Any]]]:
    """An uploaded text file as ``(name, text)``, or ``None`` when none was given; or its
    problem (too large, not UTF-8)."""
    if upload is None or not upload.filename:
        return None, []
    content = await upload.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        return None, [problem(f"larger than {MAX_FILE_BYTES // 1000} kB", field=field, file=name)]
    try:
        return (name, content.decode("utf-8-sig")), []
    except UnicodeDecodeError:
        return None, [problem("not UTF-8 text: save it as UTF-8", field=field, file=name)]


async def start_forecast_run(
    request: Request,
    db: Any,
    settings: Settings,
    current: Signed,
    *,
    base: str,
    service: str | None,
    name: str | None,
    numbers: dict[str, str | None],
    rates: UploadFile | None,
    plan_example: str | None,
    plan: UploadFile | None,
    variant: str | None,
    replace: bool,
    mode: str | None = None,
    problems: list[dict[str, Any]] | None = None,
    every_variant: bool = False,
) -> list[ForecastRunJob]:
    """Check and queue a forecast run (or, with ``every_variant``, one without change and one
    per variant of the plan) for the API and the page; raises ``RunRefused`` or
    ``ForecastProblems`` (nothing queued), listing ``problems`` the caller found too."""
    audit(request).action = "change"
    problems = list(problems or [])
    rates_name = rates_file_name(rates.filename if rates is not None else None)
    rates_given, found = await upload_text(rates, rates_name, "rates")
    problems += found
    uploaded = plan is not None and bool(plan.filename)
    chosen: tuple[str, str, bool] | None = None
    if plan_example and uploaded:
        problems.append(
            problem("an example plan was chosen and a plan file uploaded: choose one", field="plan")
        )
    elif plan_example:
        example = next((e for e in example_plans() if e.file == plan_example), None)
        if example is None:
            names = ", ".join(e.file for e in example_plans())
            raise RunRefused(404, f"no example plan {plan_example!r}; the examples: {names}")
        chosen = (example.file, example.text, True)
    elif uploaded:
        assert plan is not None
        text, found = await upload_text(plan, plan_file_name(plan.filename), "plan")
        problems += found
        chosen = None if text is None else (*text, False)
    if base == "workspace":
        snapshot = current_snapshot(db)
        if snapshot is not None:
            audit(request).team_ids = [
                t.team_id
                for t in team_rows(db, snapshot.id)
                if service is None or t.service == service
            ]
    asked = form_request(
        base=base,
        service=service,
        name=name,
        numbers=numbers,
        rates=rates_given,
        plan=chosen,
        variant=variant,
        replace=replace,
        mode=mode,
        every_variant=every_variant,
    )
    if problems:
        asked = ForecastRequest(**{**vars(asked), "problems": (*asked.problems, *problems)})
    who = current.user.username
    if every_variant:
        jobs = submit_every_variant(
            session=db, plans_dir=settings.plans_dir, username=who, request=asked
        )
    else:
        jobs = [
            submit_forecast_run(
                session=db, plans_dir=settings.plans_dir, username=who, request=asked
            )
        ]
    db.commit()
    return jobs


@router.post("/forecast-runs", status_code=202, response_model=ForecastRunsStarted)
async def create_forecast_run(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    current: PlanningRunner,
    base: Annotated[str, Form(description=f"one of {', '.join(BASES)}")] = "example",
    service: Annotated[str | None, Form(max_length=100)] = None,
    name: Annotated[str | None, Form(max_length=100, description="the forecast's folder")] = None,
    weeks: Annotated[str | None, Form(max_length=20, description="[26]")] = None,
    runs: Annotated[str | None, Form(max_length=20, description="[200]")] = None,
    seed: Annotated[str | None, Form(max_length=20, description="[0]")] = None,
    mode: Annotated[
        str | None, Form(max_length=20, description="greedy or cp-sat [greedy]")
    ] = None,
    work_limit: Annotated[
        str | None, Form(max_length=20, description="with mode cp-sat only [1]")
    ] = None,
    rates: Annotated[UploadFile | None, File(description="a rates CSV")] = None,
    plan_example: Annotated[
        str | None, Form(max_length=100, description="an example plan's file")
    ] = None,
    plan: Annotated[UploadFile | None, File(description="a plan file (TOML)")] = None,
    variant: Annotated[str | None, Form(max_length=200)] = None,
    from_week: Annotated[str | None, Form(max_length=20, description="[0]")] = None,
    every_variant: Annotated[
        bool, Form(description="one forecast without change and one per variant of the plan")
    ] = False,
    replace: Annotated[bool, Form()] = False,
) -> Any:
    """Run a forecast on the example authority or the workspace's current data (or, with
    ``every_variant``, one without change and one per variant of the plan): 202, then
    ``GET /api/forecast-runs/{run_id}``; 422 with every problem by field, file, row and
    column, or plan file, variant and change."""
    numbers = {
        "weeks": weeks,
        "runs": runs,
        "seed": seed,
        "work_limit": work_limit,
        "from_week": from_week,
    }
    try:
        jobs = await start_forecast_run(
            request,
            db,
            settings,
            current,
            base=base,
            service=service,
            name=name,
            numbers=numbers,
            rates=rates,
            plan_example=plan_example,
            plan=plan,
            variant=variant,
            replace=replace,
            mode=mode,
            every_variant=every_variant,
        )
    except RunRefused as exc:
        db.rollback()
        raise refused(exc) from None
    except ForecastProblems as exc:
        db.rollback()
        return JSONResponse({"detail": exc.problems}, status_code=422)
    queued = [{"run_id": j.id, "name": j.name, "status": j.status} for j in jobs]
    return {**queued[0], "runs": queued}


@router.get("/forecast-runs", response_model=list[ForecastRunPublic])
def list_forecast_runs(db: SessionDep, current: PlanningReader) -> list[dict[str, Any]]:
    """The latest forecast runs (50), newest first."""
    return [forecast_run_public(j) for j in forecast_runs(db)]


@router.get("/forecast-runs/{run_id}", response_model=ForecastRunPublic)
def read_forecast_run(
    run_id: Annotated[int, Path(ge=1, le=2**62)], db: SessionDep, current: PlanningReader
) -> dict[str, Any]:
    """A forecast run: status, stage and progress (runs done); then the authority's bands at
    the last week, or its problems."""
    job = db.get(ForecastRunJob, run_id)
    if job is None:
        raise HTTPException(404, f"no forecast run {run_id}")
    return forecast_run_public(job)


@router.post("/forecast-runs/{run_id}/cancel", response_model=ForecastRunPublic)
def cancel_forecast_run(
    run_id: Annotated[int, Path(ge=1, le=2**62)],
    request: Request,
    db: SessionDep,
    current: PlanningRunner,
) -> dict[str, Any]:
    """Cancel a forecast run: a queued one ends now (``cancelled``), a running one stops
    after the runs in hand (``cancelling``, then ``cancelled``); nothing is written. 409
    when it has already ended."""
    audit(request).action = "change"
    try:
        cancel_run(db, ForecastRunJob, run_id, current.user.username)
    except RunRefused as exc:
        raise refused(exc) from None
    db.commit()
    job = db.get(ForecastRunJob, run_id)
    assert job is not None
    return forecast_run_public(job)


@router.get("/forecasts")
def list_forecasts(settings: SettingsDep, current: PlanningReader) -> list[dict[str, Any]]:
    """The forecasts in the plans folder's ``forecasts/``: settings and the authority's bands
    at the last week (a folder that cannot be read: its problem)."""
    found = []
    for name in forecast_names(settings.plans_dir):
        try:
            found.append(overview(read_forecast(settings.plans_dir, name)))
        except RunRefused as exc:
            found.append({"name": name, "error": str(exc)})
    return found


@router.get("/forecasts/{name}")
def read_one(
    name: ForecastName,
    settings: SettingsDep,
    current: PlanningReader,
    scope: Annotated[str | None, Query(max_length=120, description="level:scope")] = None,
) -> dict[str, Any]:
    """A forecast's settings and its bands (every week, scope and measure; or one scope's)."""
    try:
        forecast = read_forecast(settings.plans_dir, name)
    except RunRefused as exc:
        raise refused(exc) from None
    bands = forecast.at(scope) if scope else forecast.bands
    return {
        **overview(forecast),
        "summary": forecast.summary,
        "scopes": forecast.scopes(),
        "bands": [band_row(b) for b in bands],
    }


@router.get("/forecasts/{name}/report", response_class=HTMLResponse)
def forecast_report(
    name: ForecastName, settings: SettingsDep, current: PlanningReader
) -> HTMLResponse:
    """The forecast's report page: fan charts per authority, service and team, and tables."""
    from reports import build_report, render_html

    try:
        folder = read_forecast(settings.plans_dir, name).folder
        page = render_html(build_report(folder))
    except RunRefused as exc:
        raise refused(exc) from None
    except Exception as exc:
        raise HTTPException(422, f"the forecast's folder cannot be read: {exc}") from None
    return HTMLResponse(page, headers={"Content-Security-Policy": CSP})


@router.get("/forecasts/{name}/fan.svg", response_class=Response)
def fan_chart(
    name: ForecastName,
    settings: SettingsDep,
    current: PlanningReader,
    scope: Annotated[str, Query(max_length=120, description="level:scope")] = AUTHORITY,
) -> Response:
    """The reports' fan chart of one scope (the authority by default): a panel per measure,
    the median by week over the band from the 10th to the 90th percentile."""
    from reports import chart_svg

    try:
        forecast = read_forecast(settings.plans_dir, name)
    except RunRefused as exc:
        raise refused(exc) from None
    if scope not in forecast.scopes():
        raise HTTPException(404, f"the forecast {name!r} has no scope {scope!r}")
    return Response(chart_svg(fan_chart_of(forecast, scope)), media_type="image/svg+xml")


Names = Annotated[list[str], Query(max_length=100, description="two to six forecasts")]
Scope = Annotated[str, Query(max_length=120, description="authority:all, service:S, team:T")]
Weeks = Annotated[str | None, Query(max_length=200, description="e.g. 0,13,26")]


@router.get("/forecast-comparison")
def comparison(
    settings: SettingsDep,
    current: PlanningReader,
    name: Names,
    scope: Scope = AUTHORITY,
    weeks: Weeks = None,
) -> dict[str, Any]:
    """Forecasts side by side at chosen weeks (default: week 0, the middle and the last) for
    one scope: per forecast, week and measure, the median and the 10th and 90th percentiles."""
    try:
        return compare(settings.plans_dir, name, scope, weeks)[0]
    except RunRefused as exc:
        raise refused(exc) from None


@router.get("/forecast-comparison.svg", response_class=Response)
def comparison_chart(
    settings: SettingsDep, current: PlanningReader, name: Names, scope: Scope = AUTHORITY
) -> Response:
    """The forecasts' medians over their bands, every week, a panel per measure."""
    try:
        _, forecasts = compare(settings.plans_dir, name, scope)
    except RunRefused as exc:
        raise refused(exc) from None
    return Response(comparison_svg(forecasts, scope), media_type="image/svg+xml")
