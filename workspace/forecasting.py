"""Forecasts run from the browser: ``forecast_runs`` jobs, run by the solver processes.

A planner (or an admin) asks for a forecast (docs/forecast.md) on the example
authority (``caseload example``'s, under the default policy or Barnet's) or on
the workspace's current data (every team, or one service's) with its weeks,
runs and seed; optionally a rates file (the CSV of ``caseload forecast
--rates``) and a plan's variant applied from a week (an example plan or an
uploaded one). :func:`submit_forecast_run` checks everything it can at once,
the rates file against the data included, and queues a
:class:`~workspace.tables.ForecastRunJob`; every problem is named by form field,
or by file, row and column, or by plan file, variant and change, and nothing is
queued. A solver process (:func:`workspace.solving.solver_loop`) claims it once
no proposal or plan run is waiting and runs it with the planner's public API:
``estimate_rates`` or ``read_rates``, ``plan_change``, ``run_forecast`` (runs
one after another on the solver's one thread, its progress stored on the job:
runs done of runs) and ``write_forecast``, which writes the forecast's folder
into ``PLANS/forecasts/NAME`` all at once.

The server reads no path a request names: the rates and the plan are uploaded
text (or an example plan), written into a temporary folder under the names they
were uploaded with, so a problem names the planner's own file.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import tempfile
from dataclasses import MISSING, dataclass, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from models import Policy, ProblemData, load_policy
from scenarios import (
    FORECAST_MODES,
    FolderError,
    ForecastError,
    ForecastSettings,
    PlanChange,
    PlanError,
    estimate_rates,
    generate_authority,
    plan_change,
    read_rates,
    run_forecast,
    write_forecast,
)
from workspace.jobs import (
    RunCancelled,
    RunRefused,
    busy_run,
    claim_run,
    end_cancelled,
    fail_run,
    finish_run,
    run_public,
    set_run,
    stop_if_cancelled,
)
from workspace.planning import NAME_PATTERN, check_plan, example_plans, problem_parts
from workspace.state import current_snapshot, policy_of, problem_for, team_rows
from workspace.tables import ForecastRunJob

log = logging.getLogger("caseload.workspace.forecaster")

FORECASTS_FOLDER = "forecasts"
"""The plans folder's sub-folder that forecasts run from the browser are written to."""
EXAMPLE_BASES = {"example": "default", "example-barnet": "barnet"}
"""The example authority under each policy: ``caseload example``'s data folders ``data/``
(the default policy) and ``data-barnet/`` (Barnet's)."""
BASES = (*EXAMPLE_BASES, "workspace")
MAX_WEEKS = 156
"""At most three years ahead from the browser (the command line has no limit)."""
MAX_RUNS = 1000
"""At most 1,000 runs from the browser; a larger sweep belongs on a Dask cluster
(``caseload forecast --scheduler``)."""
MAX_SEED = 2**32 - 1
MAX_FILE_BYTES = 1_000_000


class ForecastProblems(ValueError):
    """A forecast that cannot be queued: ``problems``, each ``{"field", "file", "row",
    "column", "variant", "change", "message"}`` (what does not apply is ``None``)."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        self.problems = problems
        super().__init__("; ".join(p["message"] for p in problems))


def problem(
    message: str,
    *,
    field: str | None = None,
    file: str | None = None,
    row: int | None = None,
    column: str | None = None,
    variant: str | None = None,
    change: str | None = None,
) -> dict[str, Any]:
    """One problem of a forecast request, where the planner finds it."""
    return {
        "field": field,
        "file": file,
        "row": row,
        "column": column,
        "variant": variant,
        "change": change,
        "message": message,
    }


RATE_PROBLEM = re.compile(
    r"^(?:--rates )?(?P<file>[^:\n]+?): (?:row (?P<row>\d+): )?(?:column (?P<column>\w+): )?"
    r"(?P<message>.*)$",
    re.S,
)


def rate_problem(line: str) -> dict[str, Any]:
    """A rates-file problem (``scenarios.read_rates``) by file, row and column.

    Examples
    --------
    >>> found = rate_problem("rates.csv: row 3: column team_id: unknown team 'T9'")
    >>> found["file"], found["row"], found["column"], found["message"]
    ('rates.csv', 3, 'team_id', "unknown team 'T9'")
    >>> rate_problem("rates.csv: missing column 'category'; the columns: ...")["column"]
    'category'
    """
    found = RATE_PROBLEM.match(line)
    if found is None:
        return problem(line, field="rates")
    column = found["column"]
    missing = re.match(r"missing column '(\w+)'", found["message"])
    if column is None and missing:
        column = missing[1]
    return problem(
        found["message"],
        field="rates",
        file=found["file"],
        row=int(found["row"]) if found["row"] else None,
        column=column,
    )


def plan_problem(line: str, field: str = "plan") -> dict[str, Any]:
    """A plan problem (``PlanError``) by plan file, variant and change."""
    parts = problem_parts(line)
    return problem(
        str(parts["message"]),
        field=field,
        file=parts["file"],
        variant=parts["variant"],
        change=parts["change"],
    )


def run_problem(line: str) -> dict[str, Any]:
    """A problem stored on a failed run (one line), by what it names."""
    if line.startswith("--from-week"):
        return problem(line.split(": ", 1)[-1], field="from_week")
    if " row " in line or "missing column" in line or line.startswith("--rates"):
        found = rate_problem(line)
        if found["file"] and found["file"].endswith(".csv"):
            return found
    return plan_problem(line)


@functools.cache
def example_data(base: str) -> tuple[Policy, ProblemData]:
    """The example authority (``caseload example``'s, seed 0) under ``base``'s policy."""
    policy = load_policy(EXAMPLE_BASES[base])
    return policy, generate_authority(policy, seed=0, as_of=example_as_of())


@functools.cache
def example_as_of() -> date:
    """The example authority's date: the example plans' ``as_of``."""
    import tomllib

    found = tomllib.loads(example_plans()[0].text)["as_of"]
    return found if isinstance(found, date) else date.fromisoformat(str(found))


def _located(lines: list[str], folder: Path) -> list[str]:
    """Problems with the temporary folder's path taken out."""
    prefix = str(folder) + os.sep
    return [line.replace(prefix, "").replace(str(folder), ".") for line in lines]


SETTING_DEFAULTS: dict[str, Any] = {
    f.name: f.default for f in fields(ForecastSettings) if f.default is not MISSING
}
"""The planner's defaults (``ForecastSettings``): 26 weeks, 200 runs, seed 0, the greedy
mode (work limit 1 in the CP-SAT mode)."""


@dataclass(frozen=True)
class ForecastRequest:
    """What a planner asks for: the checked form (see :func:`submit_forecast_run`)."""

    base: str
    service: str | None
    name: str | None
    weeks: int
    runs: int
    seed: int
    work_limit: float
    mode: str = "greedy"
    """How each week's batch is allocated (``ForecastSettings.mode``): ``greedy`` or
    ``cp-sat`` (under ``work_limit``)."""
    rates: tuple[str, str] | None = None
    """``(file name, CSV text)``."""
    plan: tuple[str, str, bool] | None = None
    """``(file name, TOML text, an example plan?)``."""
    variant: str | None = None
    from_week: int = 0
    replace: bool = False
    every_variant: bool = False
    """Forecast the teams as they are and every variant of ``plan`` (one forecast each)."""
    problems: tuple[dict[str, Any], ...] = ()
    """Problems found reading the form (a number that is not one), listed with the rest."""


NUMBERS: dict[str, tuple[type, str]] = {
    "weeks": (int, "a whole number of weeks"),
    "runs": (int, "a whole number of runs"),
    "seed": (int, "a whole number"),
    "work_limit": (float, "a number"),
    "from_week": (int, "a whole number of weeks"),
}


def form_request(
    *,
    base: str,
    service: str | None,
    name: str | None,
    numbers: dict[str, str | None],
    rates: tuple[str, str] | None,
    plan: tuple[str, str, bool] | None,
    variant: str | None,
    replace: bool,
    mode: str | None = None,
    every_variant: bool = False,
) -> ForecastRequest:
    """A request from a form's text: an empty number or mode is its default
    (``SETTING_DEFAULTS``; week 0 for ``from_week``), a number that is not one is a problem
    of its field, and so is a work limit given for the greedy mode (which does not search).

    Examples
    --------
    >>> r = form_request(base="example", service=None, name=None, rates=None, plan=None,
    ...                  numbers={"weeks": "4", "runs": "two"}, variant=None, replace=False)
    >>> r.weeks, r.runs, r.problems[0]["field"], r.problems[0]["message"]
    (4, 200, 'runs', "runs 'two': a whole number of runs")
    """
    values: dict[str, Any] = {**SETTING_DEFAULTS, "from_week": 0}
    found = []
    for field, (kind, words) in NUMBERS.items():
        text = (numbers.get(field) or "").strip()
        if not text:
            continue
        try:
            values[field] = kind(text)
        except ValueError:
            label = field.replace("_", " ")
            found.append(problem(f"{label} {text!r}: {words}", field=field))
    chosen = (mode or "").strip() or SETTING_DEFAULTS["mode"]
    if chosen not in FORECAST_MODES:
        found.append(problem(f"mode {chosen!r}: {' or '.join(FORECAST_MODES)}", field="mode"))
    elif chosen == "greedy" and (numbers.get("work_limit") or "").strip():
        found.append(
            problem(
                "a work limit applies to the cp-sat mode: the greedy mode does not search "
                "(leave it empty, or choose cp-sat)",
                field="work_limit",
            )
        )
    return ForecastRequest(
        base=base,
        service=service or None,
        name=(name or "").strip() or None,
        weeks=values["weeks"],
        runs=values["runs"],
        seed=values["seed"],
        work_limit=values["work_limit"],
        mode=chosen,
        rates=rates,
        plan=plan,
        variant=(variant or "").strip() or None,
        from_week=values["from_week"],
        replace=replace,
        every_variant=every_variant,
        problems=tuple(found),
    )


def _setting_problems(request: ForecastRequest) -> list[dict[str, Any]]:
    found = []
    if not 1 <= request.weeks <= MAX_WEEKS:
        found.append(problem(f"weeks {request.weeks}: from 1 to {MAX_WEEKS}", field="weeks"))
    if not 1 <= request.runs <= MAX_RUNS:
        found.append(
            problem(
                f"runs {request.runs}: from 1 to {MAX_RUNS} (a larger sweep: "
                "'caseload forecast --scheduler')",
                field="runs",
            )
        )
    if not 0 <= request.seed <= MAX_SEED:
        found.append(problem(f"seed {request.seed}: from 0 to {MAX_SEED}", field="seed"))
    if not 0 < request.work_limit <= 600:
        found.append(
            problem(f"work limit {request.work_limit:g}: above 0, at most 600", field="work_limit")
        )
    if request.every_variant and request.plan is None:
        found.append(problem("choose a plan whose variants to forecast", field="plan"))
    elif request.every_variant and request.variant:
        found.append(problem("every variant is forecast: leave the variant empty", field="variant"))
    elif request.plan is None and request.variant:
        found.append(problem("a variant needs a plan: choose one or upload one", field="plan"))
    elif request.plan is not None and not request.variant and not request.every_variant:
        found.append(problem("name the plan's variant to apply", field="variant"))
    if request.plan is None and request.from_week != 0:
        found.append(problem("a week to apply from needs a plan and a variant", field="from_week"))
    if not 0 <= request.from_week <= max(request.weeks, 0):
        found.append(
            problem(
                f"week {request.from_week}: from 0 to the forecast's {request.weeks} weeks",
                field="from_week",
            )
        )
    if request.name is not None and not re.match(NAME_PATTERN, request.name):
        found.append(
            problem(
                f"folder name {request.name!r}: up to 100 letters, digits, '_', '.' and '-', "
                "not starting with '.'",
                field="name",
            )
        )
    return found


def _data_of(
    session: Session, base: str, service: str | None
) -> tuple[Policy, ProblemData, int | None]:
    """The policy and data a forecast on ``base`` runs on, and the snapshot read (if any).

    Raises
    ------
    RunRefused
        409: nothing imported (``workspace``); 404: no such service in the current data.
    """
    if base in EXAMPLE_BASES:
        if service is not None:
            raise RunRefused(422, "a service only applies to a forecast on the workspace's data")
        return (*example_data(base), None)
    snapshot = current_snapshot(session)
    if snapshot is None:
        raise RunRefused(409, "nothing has been imported yet: import data first")
    rows = team_rows(session, snapshot.id)
    services = sorted({t.service for t in rows})
    if service is not None and service not in services:
        raise RunRefused(
            404, f"no service {service!r} in the current data; its services: {', '.join(services)}"
        )
    teams = [t.team_id for t in rows if service is None or t.service == service]
    return policy_of(snapshot), problem_for(session, snapshot, teams), snapshot.id


def _read_rates(rates: tuple[str, str], data: ProblemData, policy: Policy) -> tuple[Any, list[str]]:
    """The uploaded rates read against the data: ``(rates, [])`` or ``(None, problems)``
    (one line each, naming the uploaded file, the row and the column)."""
    file, text = rates
    with tempfile.TemporaryDirectory(prefix="caseload-rates-") as tmp:
        path = Path(tmp) / file
        path.write_text(text, encoding="utf-8")
        try:
            return read_rates(path, data, policy), []
        except ForecastError as exc:
            return None, _located(exc.problems, Path(tmp))


def _plan_change(
    plan: tuple[str, str, bool], variant: str, from_week: int
) -> tuple[PlanChange | None, list[dict[str, Any]]]:
    """The plan's variant to apply: ``(change, [])`` or ``(None, problems)``."""
    file, text, _ = plan
    try:
        check_plan(text, file, "workspace")  # its format; no policy file it names is read
    except PlanError as exc:
        return None, [plan_problem(p) for p in exc.problems]
    with tempfile.TemporaryDirectory(prefix="caseload-plan-") as tmp:
        path = Path(tmp) / file
        path.write_text(text, encoding="utf-8")
        try:
            return plan_change(path, variant, from_week), []
        except PlanError as exc:
            return None, [
                plan_problem(p, field="variant") for p in _located(exc.problems, Path(tmp))
            ]


TEMP_PLAN = re.compile(r"[^\s'\"]*caseload-plan-[A-Za-z0-9_]+[/\\]")
"""The temporary folder a plan file was read from, as a problem names it."""


def _lines(problems: list[dict[str, Any]]) -> list[str]:
    """Plan problems back as the lines the planner writes (file: variant: change: message)."""
    out = []
    for p in problems:
        parts = [p["file"]]
        if p["variant"] is not None:
            parts.append(f"variant {p['variant']!r}")
        if p["change"] is not None:
            parts.append(f"change {p['change']}")
        out.append(": ".join([x for x in parts if x] + [p["message"]]))
    return out


def forecasts_root(plans_dir: Path) -> Path:
    """Where forecasts run from the browser are written: ``PLANS/forecasts``."""
    return plans_dir / FORECASTS_FOLDER


def _default_name(request: ForecastRequest) -> str:
    parts = [f"{request.weeks}-weeks-{request.runs}-runs"]
    if request.service:
        parts.append(request.service)
    if request.variant:
        parts.append(request.variant)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", "-".join(parts)).strip("-.")[:90]
    return name or "forecast"


def _checked(
    session: Session, plans_dir: Path | None, request: ForecastRequest
) -> tuple[Path, int | None, tuple[str, ...]]:
    """The forecasts folder, the snapshot read and the plan's variants (with
    ``every_variant``), once the request has no problem.

    Raises
    ------
    RunRefused, ForecastProblems
        As :func:`submit_forecast_run`.
    """
    if plans_dir is None:
        raise RunRefused(
            409, "the workspace has no plans folder: start it with 'caseload serve --plans DIR'"
        )
    if request.base not in BASES:
        raise RunRefused(422, f"base {request.base!r}: choose {', '.join(BASES)}")
    policy, data, snapshot_id = _data_of(session, request.base, request.service)
    problems = [*request.problems, *_setting_problems(request)]
    numbers = {p["field"] for p in request.problems}
    problems = [p for p in problems if p["field"] not in numbers or p in request.problems]
    if request.rates is not None:
        problems += [rate_problem(p) for p in _read_rates(request.rates, data, policy)[1]]
    variants: tuple[str, ...] = ()
    if request.plan is not None and request.every_variant and not request.variant:
        file, text, _ = request.plan
        try:
            variants = tuple(v.name for v in check_plan(text, file, "workspace").variant)
        except PlanError as exc:
            problems += [plan_problem(p) for p in exc.problems]
        else:
            if not variants:
                problems.append(problem("the plan has no variant", field="plan", file=file))
    elif request.plan is not None and request.variant:
        problems += _plan_change(request.plan, request.variant, request.from_week)[1]
    if problems:
        raise ForecastProblems(problems)
    return forecasts_root(plans_dir).resolve(), snapshot_id, variants


def _taken(session: Session, root: Path, name: str) -> bool:
    return (root / name).exists() or busy_run(session, ForecastRunJob, name) is not None


def _refuse_taken(session: Session, root: Path, name: str, replace: bool) -> None:
    if (root / name).exists() and not replace:
        raise RunRefused(
            409, f"the forecasts folder already holds {name!r}: choose another name, or replace it"
        )
    busy = busy_run(session, ForecastRunJob, name)
    if busy is not None:
        raise RunRefused(409, f"forecast run {busy} is already writing {name!r}: wait for it")


def _queue(
    session: Session,
    username: str,
    request: ForecastRequest,
    root: Path,
    name: str,
    snapshot_id: int | None,
) -> ForecastRunJob:
    as_of = example_as_of() if snapshot_id is None else _snapshot_date(session)
    job = ForecastRunJob(
        created_by=username,
        name=name,
        out_dir=str(root / name),
        base=request.base,
        service=request.service,
        snapshot_id=snapshot_id,
        settings={
            "as_of": as_of.isoformat(),
            "weeks": request.weeks,
            "runs": request.runs,
            "seed": request.seed,
            "mode": request.mode,
            "work_limit": request.work_limit,
            "replace": request.replace,
        },
        rates_file=request.rates[0] if request.rates else None,
        rates_csv=request.rates[1] if request.rates else None,
        plan_file=request.plan[0] if request.plan and request.variant else None,
        plan_toml=request.plan[1] if request.plan and request.variant else None,
        plan_example=bool(request.plan and request.variant and request.plan[2]),
        variant=request.variant if request.plan else None,
        from_week=request.from_week if request.variant else 0,
        stage=(
            f"{request.runs} run{'s' if request.runs != 1 else ''} of {request.weeks} "
            f"week{'s' if request.weeks != 1 else ''} waiting for a solver"
        ),
    )
    session.add(job)
    session.flush()
    return job


def submit_forecast_run(
    *, session: Session, plans_dir: Path | None, username: str, request: ForecastRequest
) -> ForecastRunJob:
    """Queue a forecast run after checking everything that can be checked at once.

    The settings, the rates file (read against the data, as ``caseload forecast
    --rates`` reads it) and the plan's format and variant are checked together;
    a change the data refuses (an unknown team) fails the run later, with
    nothing written. Without a name, the folder is named after the weeks, runs,
    service and variant, with ``-2``, ``-3``, ... when taken.

    Raises
    ------
    RunRefused
        409: no plans folder, nothing imported for a run on the workspace's data,
        a folder or a queued run of that name; 404: an unknown service; 422: an
        unknown base.
    ForecastProblems
        Every problem of the request, by field, file, row and column, or plan
        file, variant and change.
    """
    root, snapshot_id, _ = _checked(session, plans_dir, request)
    name = request.name
    if name is None:
        stem = name = _default_name(request)
        number = 1
        while _taken(session, root, name):
            number += 1
            name = f"{stem}-{number}"
    _refuse_taken(session, root, name, request.replace)
    return _queue(session, username, request, root, name, snapshot_id)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")[:60] or "variant"


def submit_every_variant(
    *, session: Session, plans_dir: Path | None, username: str, request: ForecastRequest
) -> list[ForecastRunJob]:
    """Queue, together or not at all, a forecast of the teams as they are (``NAME-as-now``)
    and one per variant of the request's plan from its ``from_week`` (``NAME-VARIANT``),
    with the same settings, rates and seed: forecasts made to be compared.

    ``NAME`` is the request's name, or one from the weeks, runs and service (``-2``,
    ``-3``, ... when one of the folders is taken).

    Raises
    ------
    RunRefused, ForecastProblems
        As :func:`submit_forecast_run`; every problem of the plan is listed.
    """
    root, snapshot_id, variants = _checked(session, plans_dir, request)
    slugs: list[str] = ["as-now"]
    for variant in variants:
        slug = _slug(variant)
        while slug in slugs:
            slug += "-2"
        slugs.append(slug)
    stem = request.name
    if stem is None:
        first = stem = _default_name(request)
        number = 1
        while any(_taken(session, root, f"{stem}-{slug}") for slug in slugs):
            number += 1
            stem = f"{first}-{number}"
    names = [f"{stem}-{slug}"[:100] for slug in slugs]
    for name in names:
        _refuse_taken(session, root, name, request.replace)
    asked = [replace(request, plan=None, variant=None, from_week=0)]
    asked += [replace(request, variant=variant, every_variant=False) for variant in variants]
    return [
        _queue(session, username, one, root, name, snapshot_id)
        for one, name in zip(asked, names, strict=True)
    ]


def _snapshot_date(session: Session) -> date:
    snapshot = current_snapshot(session)
    assert snapshot is not None
    return snapshot.as_of


def claim_forecast_run(factory: sessionmaker[Session]) -> int | None:
    """Mark the oldest queued forecast run ``solving`` for this process; its id, or ``None``."""
    return claim_run(factory, ForecastRunJob, "preparing the forecast")


def _fail(
    factory: sessionmaker[Session], run_id: int, error: str, problems: list[str] | None = None
) -> None:
    fail_run(factory, ForecastRunJob, run_id, error, problems)


def run_forecast_job(factory: sessionmaker[Session], run_id: int) -> None:
    """Run one claimed forecast run: its folder written, or its problems stored (``failed``)."""
    with factory() as session, session.begin():
        job = session.get(ForecastRunJob, run_id)
        assert job is not None
        session.expunge(job)
        try:
            policy, data, snapshot_id = _data_of(session, job.base, job.service)
        except RunRefused as exc:
            _fail(factory, run_id, f"{exc}; nothing was written")
            return
    set_run(factory, ForecastRunJob, run_id, snapshot_id=snapshot_id)
    given = job.settings
    settings = ForecastSettings(
        as_of=date.fromisoformat(given["as_of"]),
        weeks=int(given["weeks"]),
        runs=int(given["runs"]),
        seed=int(given["seed"]),
        work_limit=float(given["work_limit"]),
        mode=str(given.get("mode", SETTING_DEFAULTS["mode"])),
    )
    if job.rates_file is not None and job.rates_csv is not None:
        rates, lines = _read_rates((job.rates_file, job.rates_csv), data, policy)
        if rates is None:  # the data changed since the run was asked for
            _fail(
                factory, run_id, "the rates file does not fit the data; nothing was written", lines
            )
            return
        where = f"given: {job.rates_file}"
    else:
        rates = estimate_rates(data, settings.as_of)
        where = None
    change = None
    if job.plan_file is not None and job.plan_toml is not None and job.variant:
        change, problems = _plan_change(
            (job.plan_file, job.plan_toml, job.plan_example), job.variant, job.from_week
        )
        if change is None:
            _fail(factory, run_id, "the plan cannot apply; nothing was written", _lines(problems))
            return
    total = settings.runs
    set_run(factory, ForecastRunJob, run_id, stage=f"0 of {total} runs done", progress=0.0)

    def progress(done: int, of: int) -> None:
        stop_if_cancelled(factory, ForecastRunJob, run_id)
        set_run(
            factory,
            ForecastRunJob,
            run_id,
            progress=0.95 * done / max(of, 1),
            stage=f"{done} of {of} runs done",
        )

    inputs = {
        "data": _data_words(job.base, job.service, snapshot_id),
        "policy": policy.name,
        "rates": where,
        "scheduler": None,
    }
    try:
        result = run_forecast(data, policy, rates, settings, None, progress, change)
        set_run(factory, ForecastRunJob, run_id, stage="writing the forecast folder", progress=0.95)
        Path(job.out_dir).parent.mkdir(parents=True, exist_ok=True)
        write_forecast(result, job.out_dir, inputs)
    except RunCancelled as why:
        end_cancelled(factory, ForecastRunJob, run_id, why)
        return
    except PlanError as exc:
        lines = [TEMP_PLAN.sub("", line) for line in exc.problems]
        _fail(
            factory,
            run_id,
            f"the plan's variant cannot apply: {len(lines)} problem"
            + ("s" if len(lines) != 1 else "")
            + "; nothing was written",
            lines,
        )
        return
    except FolderError as exc:
        _fail(factory, run_id, str(exc).replace(str(Path(job.out_dir).parent) + os.sep, ""))
        return
    except Exception as exc:  # recorded for the planner; never logged with the data
        log.warning("forecast run %s failed: %s", run_id, type(exc).__name__)
        _fail(factory, run_id, f"the forecast failed ({type(exc).__name__}); nothing was written")
        return
    last = settings.weeks
    headline = [
        row for row in result.band_rows() if row["week"] == last and row["level"] == "authority"
    ]
    finish_run(factory, ForecastRunJob, run_id, status="done", stage="done", headline=headline)


def _data_words(base: str, service: str | None, snapshot_id: int | None) -> str:
    """What a forecast ran on, as its ``summary.json`` says (``inputs.data``)."""
    if base in EXAMPLE_BASES:
        folder = "data" if base == "example" else "data-barnet"
        return f"the example authority ({folder}/ of 'caseload example')"
    scope = f"service {service}" if service else "every team"
    return f"the workspace's current data (snapshot {snapshot_id}, {scope})"


def forecast_run_public(job: ForecastRunJob) -> dict[str, Any]:
    """A forecast run as the API returns it (``ForecastRunPublic``)."""
    return {
        **run_public(job),
        "rates_file": job.rates_file,
        "plan_file": job.plan_file,
        "plan_example": job.plan_example,
        "variant": job.variant,
        "from_week": job.from_week,
        "problems": [run_problem(p) for p in job.problems],
        "headline": job.headline,
    }


def forecast_runs(session: Session, limit: int = 50) -> list[ForecastRunJob]:
    """The latest forecast runs, newest first."""
    return list(
        session.scalars(select(ForecastRunJob).order_by(ForecastRunJob.id.desc()).limit(limit))
    )
