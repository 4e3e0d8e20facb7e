"""Forecasts: many runs of weekly referrals, closures and allocations, summed up as bands.

A run starts from a data folder on ``as_of``. Week 0 allocates today's waiting
children (once for all runs: it draws nothing); each later week ``w`` (the date ``as_of + 7 w``):

1. a plan's variant is applied once, at ``from_week`` (when given);
2. closures: cases close, not single children (a family's children close
   together). Per team and category, ``Poisson(closures_per_week / k)`` of the
   cases held there (``k`` their mean children per case) are closed, picked at
   random, and all their children leave the data, so the children closed
   average ``closures_per_week``;
3. arrivals: cases arrive the same way. Per team and category,
   ``Poisson(arrivals_per_week / k)`` new cases wait for a worker (``k`` the
   mean children per case of that team and category), each a copy of a case
   picked at random: its children's weight, level, flags, distance, skill and
   patch, as one new sibling group when the case is a family, ``referred_on``
   the week's date. Counting in cases keeps a cap in cases (Merton 002 s.2.1,
   a family is one case) as full as it was: closing single children while
   single children arrive would turn families into new cases week by week;
4. the engine allocates the week's batch on the week's date with the long
   leave release on (``Options.release_long_leave``: a worker whose reductions
   take all their capacity for longer than the policy's limit, 15 working days
   in Barnet 001 s.3.12, has their children reallocated), and the result is
   carried into the next week. ASYE capacity grows on the policy's schedule
   because the engine counts the months served to each week's date; leave and
   reductions in ``reductions.csv`` start and end on their dates for the same
   reason.

The draws of run ``r`` come from ``numpy.random.default_rng([r, seed])``, and
every solve is under a deterministic work limit with one search thread, so a
run is a pure function of its task (:class:`ForecastTask`): serial, a process
pool and a Dask cluster give identical results.
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from models import Child, Options, Policy, ProblemData
from scenarios.changes import build_variant
from scenarios.plan import Plan, PlanError, Variant
from scenarios.tasks import run_tasks

MEASURES = (
    "children_per_fte",
    "children_waiting",
    "workers_above_approval",
    "workers_above_exception",
)
"""What each band measures, per week and scope (see :func:`measure_week`)."""

MEASURE_LABELS = {
    "children_per_fte": "Children per case-holding FTE",
    "children_waiting": "Children waiting for a worker",
    "workers_above_approval": "Workers above an approval threshold",
    "workers_above_exception": "Workers above an exception threshold",
}

MODES = ("greedy", "cp-sat")
"""How each week's batch may be solved (the engine's ``Options.method``)."""

ESTIMATE_WEEKS = 52
"""Arrival rates are estimated from the children referred in the last 52 weeks (or since
the data's earliest ``referred_on``, when that is later)."""


class ForecastError(ValueError):
    """Bad forecast input: every problem, each naming its file, row and column or option."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Rate:
    """Weekly arrival and closure rates of one team and category, and where each came from.

    ``arrivals_per_week`` and ``closures_per_week`` are expected children per week
    (the means of the Poisson draws, >= 0).
    """

    team_id: str
    category: str
    arrivals_per_week: float
    closures_per_week: float
    arrivals_source: str
    closures_source: str


@dataclass(frozen=True)
class ForecastSettings:
    """How far, how many runs, and how each weekly batch is solved (the fast mode).

    ``mode`` is the engine's method for each week's batch (``Options.method``):
    ``"greedy"`` (the default: the greedy baseline under every rule, unsearched)
    or ``"cp-sat"`` (the staged model and its proof stage, under ``work_limit``,
    deterministic and per sub-problem, and ``gap_limit``, the balance stage's
    relative gap). docs/forecast.md compares the two: the bands agree within
    their noise, and greedy is about three and a half times faster. ``time_limit`` is only
    a wall-clock safety stop.
    """

    as_of: date
    weeks: int = 26
    runs: int = 200
    seed: int = 0
    work_limit: float = 1.0
    gap_limit: float = 0.01
    time_limit: float = 120.0
    mode: str = "greedy"

    def __post_init__(self) -> None:
        problems = []
        if self.weeks < 1:
            problems.append(f"--weeks {self.weeks}: must be 1 or more")
        if self.runs < 1:
            problems.append(f"--runs {self.runs}: must be 1 or more")
        if self.mode not in MODES:
            problems.append(f"--mode {self.mode!r}: must be one of {', '.join(MODES)}")
        if problems:
            raise ForecastError(problems)

    def fast_mode(self) -> str:
        """The words the outputs use for how each week's batch was solved."""
        if self.mode == "greedy":
            return (
                "fast mode (greedy): each week's batch is allocated by the engine's greedy "
                "baseline, which keeps every rule of the policy (caps, ASYE limits, siblings, "
                "oversight, approval thresholds) but does not search for the most even "
                "balance; held children stay with their worker"
            )
        return (
            f"fast mode (cp-sat): each week's batch is allocated by the engine under a "
            f"deterministic work limit of {self.work_limit:g} per sub-problem and a balance "
            f"gap of {self.gap_limit:g}, with its proof stage; held children stay with their "
            "worker"
        )


@dataclass(frozen=True)
class PlanChange:
    """A plan's variant applied to every run from ``from_week`` on."""

    plan: Plan
    variant: Variant
    from_week: int


@dataclass(frozen=True)
class ForecastTask:
    """A few runs: everything they need, picklable (what a pool or Dask worker receives).

    ``runs`` are run numbers; a task carries several so that the data, which every
    run starts from, is sent once per task rather than once per run."""

    runs: tuple[int, ...]
    data: ProblemData
    policy: Policy
    rates: tuple[Rate, ...]
    settings: ForecastSettings
    scopes: tuple[tuple[str, str], ...]
    change: PlanChange | None = None
    week0: np.ndarray | None = None
    """Week 0's measures when ``data`` and ``policy`` are already the state after week 0
    (the same for every run: week 0 draws nothing, so it is allocated once)."""


TASKS = 40
"""Runs are split into at most this many tasks: few enough that the data is not sent
hundreds of times, enough to keep a cluster of a few dozen workers busy."""


@dataclass(frozen=True)
class ForecastResult:
    """Every run's weekly measures and their bands.

    ``values`` has shape ``(runs, weeks + 1, len(scopes), len(MEASURES))``.
    """

    settings: ForecastSettings
    rates: tuple[Rate, ...]
    scopes: tuple[tuple[str, str], ...]
    values: np.ndarray
    change: PlanChange | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def week_date(self, week: int) -> date:
        return self.settings.as_of + timedelta(weeks=week)

    def band_rows(self) -> list[dict[str, Any]]:
        """One row per week, scope and measure: ``p10``, ``median`` and ``p90`` over runs."""
        p10, median, p90 = np.percentile(self.values, [10, 50, 90], axis=0)
        rows = []
        for week in range(self.values.shape[1]):
            for s, (level, scope) in enumerate(self.scopes):
                for m, measure in enumerate(MEASURES):
                    rows.append(
                        {
                            "week": week,
                            "date": self.week_date(week).isoformat(),
                            "level": level,
                            "scope": scope,
                            "measure": measure,
                            "p10": round(float(p10[week, s, m]), 4),
                            "median": round(float(median[week, s, m]), 4),
                            "p90": round(float(p90[week, s, m]), 4),
                        }
                    )
        return rows


def forecast_scopes(data: ProblemData) -> tuple[tuple[str, str], ...]:
    """``("authority", "all")``, then ``("service", s)`` per service, then ``("team", t)``
    per team, each in the data's order."""
    services = list(dict.fromkeys(t.service for t in data.teams))
    return (
        ("authority", "all"),
        *(("service", s) for s in services),
        *(("team", t.team_id) for t in data.teams),
    )


def estimate_rates(data: ProblemData, as_of: date) -> tuple[Rate, ...]:
    """Arrival rates per team and category from the children's ``referred_on`` dates, and
    steady-state closure rates (equal to arrivals, keeping each caseload level).

    The rate of a team and category is the number of its children referred in the
    ``ESTIMATE_WEEKS`` weeks to ``as_of`` (fewer when the data's earliest
    ``referred_on`` is later) divided by those weeks. A snapshot only holds children
    still open, so the rate counts referrals still open today: a lower bound of the
    true rate where cases close within the window. A team none of whose children
    has a ``referred_on`` gets no arrivals, and its source says so.

    Examples
    --------
    >>> from models import Team, Child
    >>> as_of = date(2026, 12, 31)
    >>> data = ProblemData(  # one referral a week for two years
    ...     teams=(Team(team_id="T1", service="cin"),), workers=(),
    ...     children=tuple(Child(child_id=f"C{i}", team_id="T1", category="cin",
    ...                          referred_on=as_of - timedelta(weeks=i))
    ...                    for i in range(104)))
    >>> rate, = estimate_rates(data, as_of)
    >>> rate.arrivals_per_week, rate.closures_per_week
    (1.0, 1.0)
    """
    dated = [c.referred_on for c in data.children if c.referred_on is not None]
    window = ESTIMATE_WEEKS
    if dated:
        earliest = min(d for d in dated if d <= as_of) if any(d <= as_of for d in dated) else as_of
        window = max(1, min(ESTIMATE_WEEKS, math.ceil((as_of - earliest).days / 7)))
    start = as_of - timedelta(weeks=window)
    has_dates = {c.team_id for c in data.children if c.referred_on is not None}
    recent = Counter(
        (c.team_id, c.category)
        for c in data.children
        if c.referred_on is not None and start < c.referred_on <= as_of
    )
    pairs = sorted({(c.team_id, c.category) for c in data.children})
    order = {t.team_id: i for i, t in enumerate(data.teams)}
    pairs.sort(key=lambda p: (order[p[0]], p[1]))
    rates = []
    for team, category in pairs:
        if team in has_dates:
            arrivals = round(recent[(team, category)] / window, 4)
            source = (
                f"referred_on: {recent[(team, category)]} children referred in the "
                f"{window} weeks to {as_of.isoformat()} and still open"
            )
        else:
            arrivals, source = 0.0, "no referred_on dates in this team: no arrivals (give --rates)"
        rates.append(
            Rate(team, category, arrivals, arrivals, source, "steady state: equal to arrivals")
        )
    return tuple(rates)


RATE_COLUMNS = ("team_id", "category", "arrivals_per_week", "closures_per_week")
MAX_RATE = 1_000
"""Most children a week a rates file may give one team and category (a typo guard: the
example authority's busiest team and category has about 3)."""


def read_rates(path: Path | str, data: ProblemData, policy: Policy) -> tuple[Rate, ...]:
    """The rates file: ``team_id, category, arrivals_per_week[, closures_per_week]``.

    The file is the whole table: a team and category it does not list has no
    arrivals and no closures. An empty ``closures_per_week`` (or no such column)
    means the steady state (equal to arrivals).

    Raises
    ------
    ForecastError
        Every problem, naming the file, row and column: a missing file or column,
        a file that is not UTF-8, a row with more values than the header, an unknown
        team or category (any case is read; close matches suggested), a rate that is
        not a number above 0 or is above :data:`MAX_RATE`, a team and category given
        twice. Rows are numbered as the file's lines; ``;``- or tab-separated files
        (with decimal commas) are read too.
    """
    path = Path(path)
    where = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ForecastError([f"--rates {where}: cannot be read ({exc.strerror})"]) from None
    except UnicodeDecodeError:
        raise ForecastError(
            [f"{where}: is not UTF-8 text; save it as 'CSV UTF-8 (comma delimited)'"]
        ) from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    decimal_comma = delimiter != ","  # a European export: 2,5 for 2.5
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in RATE_COLUMNS[:3] if c not in header]
    if missing:
        raise ForecastError(
            [
                f"{where}: missing column {c!r}; the columns: {', '.join(RATE_COLUMNS)} "
                "(comma-separated, one header row)"
                for c in missing
            ]
        )
    teams = {t.team_id.casefold(): t.team_id for t in data.teams}
    known = {c.category for c in data.children} | set(policy.weighting.category)
    categories = {c.casefold(): c for c in sorted(known)}
    problems: list[str] = []
    rates: list[Rate] = []
    seen: dict[tuple[str, str], int] = {}
    for row in reader:
        number = reader.line_num
        at = f"{where}: row {number}"
        if None in row:
            problems.append(
                f"{at}: more values than the header has columns ({len(header)}); a decimal "
                "comma in a comma-separated file? write 2.5, not 2,5"
            )
            continue
        cells = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        given_team, given_category = cells.get("team_id", ""), cells.get("category", "")
        team = teams.get(given_team.casefold(), "")
        category = categories.get(given_category.casefold(), "")
        ok = True
        if not team:
            problems.append(
                f"{at}: column team_id: unknown team {given_team!r}"
                f"{_close(given_team, list(teams.values()))}"
            )
            ok = False
        if not category:
            problems.append(
                f"{at}: column category: unknown category {given_category!r}"
                f"{_close(given_category, list(categories.values()))}; "
                f"known: {', '.join(categories.values())}"
            )
            ok = False
        values: dict[str, float | None] = {}
        for column in ("arrivals_per_week", "closures_per_week"):
            cell = cells.get(column, "")
            if column == "closures_per_week" and cell == "":
                values[column] = None
                continue
            try:
                value = float(cell.replace(",", ".") if decimal_comma else cell)
            except ValueError:
                value = math.nan
            if not math.isfinite(value) or value <= 0:
                problems.append(
                    f"{at}: column {column}: {cell!r} is not a number above 0 "
                    "(leave out a team and category with none)"
                )
                ok = False
            elif value > MAX_RATE:
                problems.append(
                    f"{at}: column {column}: {cell} children a week for one team and "
                    f"category is above {MAX_RATE:,}: a typo? (rates are per week)"
                )
                ok = False
            values[column] = value
        if team and category and (team, category) in seen:
            problems.append(
                f"{at}: team {team!r} and category {category!r} already given in row "
                f"{seen[(team, category)]}"
            )
            ok = False
        elif team and category:
            seen[(team, category)] = number  # (a bad rate in the first row too)
        if ok:
            arrivals = float(values["arrivals_per_week"] or 0.0)
            closures = values["closures_per_week"]
            rates.append(
                Rate(
                    team,
                    category,
                    arrivals,
                    arrivals if closures is None else closures,
                    f"given: {path.name} row {number}",
                    "steady state: equal to arrivals"
                    if closures is None
                    else f"given: {path.name} row {number}",
                )
            )
    if problems:
        raise ForecastError(problems)
    return tuple(rates)


def _close(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=3)
    return f"; did you mean {', '.join(map(repr, close))}?" if close else ""


def forecast_tasks(
    data: ProblemData,
    policy: Policy,
    rates: Sequence[Rate],
    settings: ForecastSettings,
    change: PlanChange | None = None,
) -> list[ForecastTask]:
    """The runs split into at most :data:`TASKS` tasks of consecutive runs, run 0 first,
    each starting from week 0's allocation (computed once here: week 0 draws nothing, so
    it is the same in every run)."""
    scopes = forecast_scopes(data)
    after, policy_after, week0 = forecast_week(data, policy, (), None, 0, settings, change, scopes)
    size = math.ceil(settings.runs / TASKS)
    return [
        ForecastTask(
            tuple(range(first, min(first + size, settings.runs))),
            after,
            policy_after,
            tuple(rates),
            settings,
            scopes,
            change,
            week0,
        )
        for first in range(0, settings.runs, size)
    ]


def check_change(
    data: ProblemData, policy: Policy, change: PlanChange, settings: ForecastSettings
) -> None:
    """Build the variant on the data as given, dated on its week, so a plan that cannot
    apply stops the forecast before any run (:class:`scenarios.PlanError`)."""
    if not 0 <= change.from_week <= settings.weeks:
        raise PlanError([f"--from-week {change.from_week}: must be between 0 and {settings.weeks}"])
    day = settings.as_of + timedelta(weeks=change.from_week)
    build_variant(change.plan.model_copy(update={"as_of": day}), change.variant, data, policy)


def forecast_run(task: ForecastTask) -> np.ndarray:
    """The task's runs' measures, shape ``(len(task.runs), weeks + 1, len(scopes),
    len(MEASURES))``.

    A pure function of ``task`` (the module docstring says what each week does); each
    run's draws depend on its run number and the seed only, so how runs are grouped
    into tasks changes nothing.

    Examples
    --------
    >>> from models import Child, Role, Team, Worker, load_policy
    >>> data = ProblemData(
    ...     teams=(Team(team_id="T1", service="cin"),),
    ...     workers=(Worker(worker_id="W1", team_id="T1", role=Role.SOCIAL_WORKER, fte=1),),
    ...     children=tuple(Child(child_id=f"C{i}", team_id="T1", category="cin")
    ...                    for i in range(10)))
    >>> settings = ForecastSettings(as_of=date(2027, 3, 1), weeks=2, runs=1)
    >>> task, = forecast_tasks(data, load_policy("default"), (), settings)
    >>> forecast_run(task)[0, :, 0, :2].tolist()  # authority: children per FTE, waiting
    [[10.0, 0.0], [10.0, 0.0], [10.0, 0.0]]
    """
    return np.stack([_one_run(task, run) for run in task.runs])


def _one_run(task: ForecastTask, run: int) -> np.ndarray:
    settings = task.settings
    rng = np.random.default_rng([run, settings.seed])
    data, policy = task.data, task.policy
    out = np.zeros((settings.weeks + 1, len(task.scopes), len(MEASURES)))
    first = 0
    if task.week0 is not None:
        out[0], first = task.week0, 1
    for week in range(first, settings.weeks + 1):
        data, policy, out[week] = forecast_week(
            data, policy, task.rates, rng, week, settings, task.change, task.scopes
        )
    return out


def forecast_week(
    data: ProblemData,
    policy: Policy,
    rates: Sequence[Rate],
    rng: np.random.Generator | None,
    week: int,
    settings: ForecastSettings,
    change: PlanChange | None,
    scopes: Sequence[tuple[str, str]],
) -> tuple[ProblemData, Policy, np.ndarray]:
    """One week (the module docstring's steps): the data and policy after it and its
    measures, shape ``(len(scopes), len(MEASURES))``. Week 0 draws nothing (``rng`` may
    be ``None``)."""
    from allocator import allocate

    day = settings.as_of + timedelta(weeks=week)
    release: tuple[str, ...] = ()
    if change is not None and week == change.from_week:
        plan = change.plan.model_copy(update={"as_of": day})
        state = build_variant(plan, change.variant, data, policy)
        data, policy, release = state.data, state.policy, state.release
    if week > 0 and rng is not None:
        data = _closures(data, rates, rng)
        data = _arrivals(data, rates, rng, week, day)
    options = Options(
        as_of=day,
        seed=settings.seed,
        work_limit=settings.work_limit,
        gap_limit=settings.gap_limit,
        time_limit=settings.time_limit,
        release=release,
        release_long_leave=True,
        threads=1,
        processes=1,
        method="greedy" if settings.mode == "greedy" else "cp-sat",
    )
    result = allocate(data, policy, options)
    placed = {a.child_id: a.worker_id for a in result.allocations}
    data = data.model_copy(
        update={
            "children": tuple(
                c
                if placed.get(c.child_id, c.worker_id) == c.worker_id
                else c.model_copy(update={"worker_id": placed[c.child_id]})
                for c in data.children
            )
        }
    )
    return data, policy, measure_week(data, policy, result.workers, scopes)


def _cases(children: Sequence[Child], indices: Sequence[int]) -> list[list[int]]:
    """The cases among ``indices`` (positions in ``children``, all of one team and category):
    each family's children together, each other child alone; in data order."""
    cases: dict[str, list[int]] = {}
    for i in indices:
        family = children[i].family_id
        cases.setdefault(f"family {family}" if family else f"child {i}", []).append(i)
    return list(cases.values())


def _case_count(rng: np.random.Generator, children_per_week: float, cases: list[list[int]]) -> int:
    """How many cases arrive or close this week: ``Poisson(rate / children per case)``, so
    the children they bring or take average ``children_per_week``."""
    if children_per_week <= 0 or not cases:
        return 0
    per_case = sum(len(case) for case in cases) / len(cases)
    return int(rng.poisson(children_per_week / per_case))


def _closures(data: ProblemData, rates: Sequence[Rate], rng: np.random.Generator) -> ProblemData:
    held: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(data.children):
        if c.worker_id is not None:
            held[(c.team_id, c.category)].append(i)
    closed: set[int] = set()
    for rate in rates:
        cases = _cases(data.children, held.get((rate.team_id, rate.category), []))
        count = min(_case_count(rng, rate.closures_per_week, cases), len(cases))
        if count:
            for k in rng.choice(len(cases), size=count, replace=False):
                closed.update(cases[int(k)])
    if not closed:
        return data
    children = tuple(c for i, c in enumerate(data.children) if i not in closed)
    return data.model_copy(update={"children": children})


def _arrivals(
    data: ProblemData, rates: Sequence[Rate], rng: np.random.Generator, week: int, day: date
) -> ProblemData:
    mix: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(data.children):
        mix[(c.team_id, c.category)].append(i)
    new: list[Child] = []
    serial: Counter[str] = Counter()
    for rate in rates:
        cases = _cases(data.children, mix.get((rate.team_id, rate.category), []))
        if not cases:
            # nothing to copy: single children of the category, with default fields
            count = int(rng.poisson(rate.arrivals_per_week)) if rate.arrivals_per_week > 0 else 0
            for _ in range(count):
                serial[rate.team_id] += 1
                child_id = f"{rate.team_id}-FC{week:03d}-{serial[rate.team_id]}"
                new.append(
                    Child(
                        child_id=child_id,
                        team_id=rate.team_id,
                        category=rate.category,
                        referred_on=day,
                    )
                )
            continue
        for _ in range(_case_count(rng, rate.arrivals_per_week, cases)):
            template = cases[int(rng.integers(len(cases)))]
            serial[rate.team_id] += 1
            case_id = f"{rate.team_id}-FC{week:03d}-{serial[rate.team_id]}"
            family = case_id if len(template) > 1 else None
            for k, i in enumerate(template, 1):
                new.append(
                    data.children[i].model_copy(
                        update={
                            "child_id": case_id if family is None else f"{case_id}-{k}",
                            "worker_id": None,
                            "family_id": family,
                            "previous_worker_id": None,
                            "referred_on": day,
                            "awaiting_closure": False,
                            "name": None,
                        }
                    )
                )
    if not new:
        return data
    return data.model_copy(update={"children": data.children + tuple(new)})


def threshold_names(policy: Policy) -> tuple[frozenset[str], frozenset[str]]:
    """Names of the policy's upper thresholds needing someone's approval (Barnet 001 s.3.7:
    "higher than 22 this must be agreed by the Head of Service"), and of its other upper
    thresholds (exception reporting, e.g. the Welsh report's "in excess of 28")."""
    approval = frozenset(t.name for t in policy.thresholds if t.above is not None and t.approval)
    exception = frozenset(
        t.name for t in policy.thresholds if t.above is not None and not t.approval
    )
    return approval, exception


def measure_week(
    data: ProblemData, policy: Policy, workers: Sequence[Any], scopes: Sequence[tuple[str, str]]
) -> np.ndarray:
    """The week's measures per scope, shape ``(len(scopes), len(MEASURES))``.

    ``children_per_fte``: children held (with a worker) per contracted FTE of the
    scope's case-holding workers (0 without any); ``children_waiting``: children
    without a worker; ``workers_above_approval`` / ``workers_above_exception``:
    workers whose caseload after the week's allocation is in an upper threshold
    band that needs approval / that does not (the engine's ``band``).
    """
    service_of = {t.team_id: t.service for t in data.teams}
    approval, exception = threshold_names(policy)
    held: Counter[str] = Counter()
    waiting: Counter[str] = Counter()
    for c in data.children:
        (held if c.worker_id is not None else waiting)[c.team_id] += 1
    fte: defaultdict[str, float] = defaultdict(float)
    for w in data.workers:
        if w.role.carries_cases:
            fte[w.team_id] += w.fte
    above_approval: Counter[str] = Counter(w.team_id for w in workers if w.band in approval)
    above_exception: Counter[str] = Counter(w.team_id for w in workers if w.band in exception)
    out = np.zeros((len(scopes), len(MEASURES)))
    for s, (level, scope) in enumerate(scopes):
        teams = [
            t
            for t in service_of
            if level == "authority"
            or (level == "service" and service_of[t] == scope)
            or (level == "team" and t == scope)
        ]
        total_fte = sum(fte[t] for t in teams)
        total_held = sum(held[t] for t in teams)
        out[s] = (
            total_held / total_fte if total_fte > 0 else 0.0,
            sum(waiting[t] for t in teams),
            sum(above_approval[t] for t in teams),
            sum(above_exception[t] for t in teams),
        )
    return out


def run_forecast(
    data: ProblemData,
    policy: Policy,
    rates: Sequence[Rate],
    settings: ForecastSettings,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    change: PlanChange | None = None,
) -> ForecastResult:
    """Every run (through ``executor`` when given; identical results either way) and the
    bands over them. ``progress(runs_done, runs)`` is called as tasks of runs finish.

    Raises
    ------
    scenarios.PlanError
        ``change`` cannot apply to the data (checked before any run).
    """
    if change is not None:
        check_change(data, policy, change, settings)
    tasks = forecast_tasks(data, policy, rates, settings, change)
    done_by = list(itertools.accumulate(len(t.runs) for t in tasks))

    def runs_done(done: int, total: int) -> None:  # results come in task order
        if progress is not None:
            progress(done_by[done - 1], settings.runs)

    values = run_tasks(forecast_run, tasks, executor, runs_done if progress else None)
    notes = [settings.fast_mode()]
    if not any(r.arrivals_per_week > 0 or r.closures_per_week > 0 for r in rates):
        notes.append("no rates: nothing arrives and nothing closes in any week")
    present = {(c.team_id, c.category) for c in data.children}
    uncopied = [
        f"{r.team_id} {r.category}"
        for r in rates
        if r.arrivals_per_week > 0 and (r.team_id, r.category) not in present
    ]
    if uncopied:
        notes.append(
            "arrivals with no case of their team and category to copy arrive as single "
            "children with default weight and no flags (a team whose workers do not take "
            f"the category leaves them waiting): {', '.join(uncopied)}"
        )
    approval, exception = threshold_names(policy)
    if not approval:
        notes.append("the policy has no threshold needing approval: workers_above_approval is 0")
    if not exception:
        notes.append("the policy has no exception threshold: workers_above_exception is 0")
    return ForecastResult(
        settings, tuple(rates), tasks[0].scopes, np.concatenate(values), change, tuple(notes)
    )


def plan_change(plan_path: Path | str, variant: str, from_week: int) -> PlanChange:
    """The variant named ``variant`` of the plan file, to apply from ``from_week``.

    The plan's changes are what is used; its ``base``, ``as_of`` and ``seed`` are
    replaced by the forecast's data, the week's date and the forecast's seed.

    Raises
    ------
    scenarios.PlanError
        The plan cannot be read, or has no such variant (close names suggested).
    """
    from scenarios.plan import read_plan

    plan = read_plan(plan_path)
    names = [v.name for v in plan.variant]
    for v in plan.variant:
        if v.name == variant:
            return PlanChange(plan, v, from_week)
    raise PlanError(
        [
            f"{plan.file}: --variant {variant!r}: no such variant{_close(variant, names)}; "
            f"the plan's variants: {', '.join(names) or 'none'}"
        ]
    )
