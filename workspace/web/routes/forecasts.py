"""Planners' forecast pages: the forecasts with their bands and fan charts, forecasts
compared side by side, and running a forecast (planner, admin) with its progress, then its
bands or its problems."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from scenarios import FORECAST_MODES
from workspace.api.deps import (
    PLANNING_RUNNERS,
    PlanningReader,
    SessionDep,
    SettingsDep,
    Signed,
    check_role,
)
from workspace.api.routes.forecasts import start_forecast_run
from workspace.forecasting import (
    EXAMPLE_BASES,
    MAX_RUNS,
    MAX_WEEKS,
    SETTING_DEFAULTS,
    ForecastProblems,
    forecast_run_public,
    forecast_runs,
    problem,
)
from workspace.forecasts import (
    AUTHORITY,
    MAX_COMPARED,
    MEASURE_LABELS,
    Forecast,
    compare,
    fan_chart_of,
    forecast_names,
    overview,
    read_forecast,
    scope_words,
)
from workspace.jobs import RunRefused
from workspace.planning import example_plans
from workspace.state import current_snapshot, team_rows
from workspace.tables import ForecastRunJob
from workspace.web.pages import FormUser, cancel_from_page, render

router = APIRouter()
FIELD_CHARS = 1_000_000
"""Longest text a form field may send: longer is refused by the framework on a bare page,
so the limit is far above any good value and the form's own checks (at the field) say
what is wrong with a long one."""
FIELDS = (
    "on",
    "weeks",
    "runs",
    "seed",
    "work_limit",
    "rates",
    "plan",
    "variant",
    "from_week",
    "name",
)
"""The run form's fields, in the order the error summary lists them."""


def _read_all(settings: Any) -> tuple[list[dict[str, Any]], list[str]]:
    """Every forecast's overview (or its problem) and every scope any of them has."""
    listed: list[dict[str, Any]] = []
    scopes = [AUTHORITY]
    for name in forecast_names(settings.plans_dir):
        try:
            forecast = read_forecast(settings.plans_dir, name)
        except RunRefused as exc:
            listed.append({"name": name, "error": str(exc)})
            continue
        listed.append({**overview(forecast), "error": None})
        scopes += [s for s in forecast.scopes() if s not in scopes]
    return listed, scopes


def forecasts_view(
    request: Request, db: Any, settings: Any, current: Signed, status_code: int = 200, **extra: Any
) -> Response:
    listed, scopes = _read_all(settings)
    snapshot = current_snapshot(db)
    services = sorted({t.service for t in team_rows(db, snapshot.id)}) if snapshot else []
    problems = extra.pop("problems", [])
    by_field: dict[str, list[str]] = {}
    for p in problems:
        if p.get("field") and not p.get("file"):
            by_field.setdefault(p["field"], []).append(p["message"])
    may_run = current.user.role in PLANNING_RUNNERS
    return render(
        request,
        "forecasts.html",
        status_code=status_code,
        title="Forecasts",
        forecasts=listed,
        scopes=scopes,
        scope_words=scope_words,
        labels=MEASURE_LABELS,
        plans_dir=settings.plans_dir,
        runs=[forecast_run_public(j) for j in forecast_runs(db, limit=20)],
        may_run=may_run,
        examples=example_plans() if may_run else (),
        services=services,
        has_data=snapshot is not None,
        defaults=SETTING_DEFAULTS,
        modes=FORECAST_MODES,
        max_weeks=MAX_WEEKS,
        max_runs=MAX_RUNS,
        max_compared=MAX_COMPARED,
        problems=problems,
        field_errors=by_field,
        field_order=[f for f in FIELDS if f in by_field],
        file_problems=[p for p in problems if p.get("file") and p.get("row") is not None],
        plan_problems=[p for p in problems if p.get("file") and p.get("row") is None],
        given=extra.pop("given", {}),
        **extra,
    )


@router.get("/forecasts")
def forecasts_page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    current: PlanningReader,
    queued: Annotated[str, Query(max_length=2000, pattern=r"^[0-9,]*$")] = "",
) -> Response:
    """The forecasts, the run form and the recent runs; with ``queued``, the runs queued
    together (one per variant of a plan) and, once all are done, a link comparing them."""
    ids = [int(i) for i in queued.split(",") if i][:20]
    group = [j for j in (db.get(ForecastRunJob, i) for i in ids) if j is not None]
    return forecasts_view(
        request, db, settings, current, group=[forecast_run_public(j) for j in group]
    )


@router.post("/forecasts/run")
async def run_page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    current: FormUser,
    on: Annotated[str, Form(max_length=FIELD_CHARS)] = "example",
    weeks: Annotated[str, Form(max_length=FIELD_CHARS)] = "",
    runs: Annotated[str, Form(max_length=FIELD_CHARS)] = "",
    seed: Annotated[str, Form(max_length=FIELD_CHARS)] = "",
    mode: Annotated[str, Form(max_length=FIELD_CHARS)] = "",
    work_limit: Annotated[str, Form(max_length=FIELD_CHARS)] = "",
    rates: Annotated[UploadFile | None, File()] = None,
    plan_source: Annotated[str, Form(max_length=FIELD_CHARS)] = "none",
    plan: Annotated[UploadFile | None, File()] = None,
    variant: Annotated[str, Form(max_length=FIELD_CHARS)] = "",
    from_week: Annotated[str, Form(max_length=FIELD_CHARS)] = "",
    name: Annotated[str, Form(max_length=FIELD_CHARS)] = "",
    every_variant: Annotated[bool, Form()] = False,
    replace: Annotated[bool, Form()] = False,
) -> Response:
    """Start a forecast (or one per variant of a plan) from the forecasts page; a run's page
    shows its progress, the forecasts page the runs queued together."""
    check_role(current, PLANNING_RUNNERS)
    base, _, service = on.partition(":")
    given = {
        "on": on,
        "weeks": weeks,
        "runs": runs,
        "seed": seed,
        "mode": mode,
        "work_limit": work_limit,
        "plan_source": plan_source,
        "variant": variant,
        "from_week": from_week,
        "name": name,
        "every_variant": every_variant,
        "replace": replace,
    }
    example = plan_source if plan_source not in ("none", "upload") else None
    uploaded = plan if plan_source == "upload" or (plan is not None and plan.filename) else None
    found = []
    if plan_source == "upload" and (plan is None or not plan.filename):
        found.append(problem("choose your plan file to upload, or 'No change'", field="plan"))
    try:
        jobs = await start_forecast_run(
            request,
            db,
            settings,
            current,
            base=base,
            service=service or None,
            name=name,
            numbers={
                "weeks": weeks,
                "runs": runs,
                "seed": seed,
                "work_limit": work_limit,
                "from_week": from_week,
            },
            rates=rates,
            plan_example=example,
            plan=uploaded,  # a file uploaded beside a chosen example is refused, not ignored
            variant=variant,
            replace=replace,
            mode=mode,
            problems=found,
            every_variant=every_variant,
        )
    except RunRefused as exc:
        db.rollback()
        return forecasts_view(
            request, db, settings, current, status_code=exc.status, error=str(exc), given=given
        )
    except ForecastProblems as exc:
        db.rollback()
        return forecasts_view(
            request,
            db,
            settings,
            current,
            status_code=422,
            error="The forecast was not run",
            problems=exc.problems,
            given=given,
        )
    if len(jobs) == 1:
        return RedirectResponse(f"/forecasts/runs/{jobs[0].id}", status_code=303)
    ids = ",".join(str(j.id) for j in jobs)
    return RedirectResponse(f"/forecasts?queued={ids}", status_code=303)


@router.post("/forecasts/runs/{run_id}/cancel")
def cancel_page(request: Request, run_id: int, db: SessionDep, current: FormUser) -> Response:
    """*Cancel this run* on a run's page (planners and admins)."""
    return cancel_from_page(
        request, db, current, ForecastRunJob, run_id, f"/forecasts/runs/{run_id}"
    )


@router.get("/forecasts/runs/{run_id}")
def run_status_page(
    request: Request, run_id: int, db: SessionDep, current: PlanningReader
) -> Response:
    job = db.get(ForecastRunJob, run_id)
    if job is None:
        raise HTTPException(404, f"no forecast run {run_id}")
    return render(
        request,
        "forecast_run.html",
        title=f"Forecast run {run_id}",
        r=forecast_run_public(job),
        labels=MEASURE_LABELS,
        on=_on_words(job.base, job.service),
    )


def _on_words(base: str, service: str | None) -> str:
    if base in EXAMPLE_BASES:
        policy = EXAMPLE_BASES[base]
        return f"the example authority (policy {policy})"
    return "the workspace's current data" + (f", service {service}" if service else ", every team")


@router.get("/forecasts/compare")
def compare_page(
    request: Request,
    db: SessionDep,
    settings: SettingsDep,
    current: PlanningReader,
    name: Annotated[list[str], Query(max_length=100)] = [],  # noqa: B006 (FastAPI's query list)
    scope: Annotated[str, Query(max_length=120)] = AUTHORITY,
    weeks: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Forecasts side by side: per measure, each forecast's median and band at the weeks."""
    try:
        compared, forecasts = compare(settings.plans_dir, name, scope, weeks)
    except RunRefused as exc:
        if exc.status == 404:
            raise HTTPException(404, str(exc)) from None
        return forecasts_view(
            request, db, settings, current, status_code=exc.status, error=str(exc)
        )
    labels: dict[str, str] = {}
    for f in forecasts:
        labels.update({m: v for m, v in f.labels().items() if m not in labels})
    cells = {(r["forecast"], r["week"], r["measure"]): r for r in compared["rows"]}
    return render(
        request,
        "forecast_compare.html",
        title="Forecasts compared",
        compared=compared,
        forecasts=forecasts,
        labels=labels,
        cells=cells,
        scope_text=scope_words(compared["scope"]),
        scopes=_scopes_of(forecasts),
        scope_words=scope_words,
        weeks_text=", ".join(str(w) for w in compared["weeks"]),
    )


def _scopes_of(forecasts: list[Forecast]) -> list[str]:
    found: list[str] = []
    for f in forecasts:
        found += [s for s in f.scopes() if s not in found]
    return found


@router.get("/forecasts/{name}")
def forecast_page(
    request: Request,
    name: str,
    settings: SettingsDep,
    current: PlanningReader,
    scope: Annotated[str, Query(max_length=120)] = AUTHORITY,
) -> Response:
    try:
        forecast = read_forecast(settings.plans_dir, name)
    except RunRefused as exc:
        raise HTTPException(exc.status, str(exc)) from None
    if scope not in forecast.scopes():
        raise HTTPException(404, f"the forecast {name!r} has no scope {scope!r}")
    measures = forecast.measures()
    by_week: dict[int, dict[str, Any]] = {}
    for band in forecast.at(scope):
        by_week.setdefault(band.week, {"date": band.date})[band.measure] = band
    return render(
        request,
        "forecast.html",
        title=f"Forecast {name}",
        f=overview(forecast),
        summary=forecast.summary,
        measures=measures,
        labels=forecast.labels(),
        weeks=sorted(by_week.items()),
        scope=scope,
        scope_text=scope_words(scope),
        scopes=forecast.scopes(),
        scope_words=scope_words,
        chart=fan_chart_of(forecast, scope),
        notes=[
            n for n in forecast.summary.get("notes", []) if n != forecast.summary.get("fast_mode")
        ],
    )
