"""The forecast and national commands (``caseload forecast``, ``benchmark-la``,
``national``) and where their tasks go: inline, a local
process pool, or an existing Dask cluster (``--scheduler``).

Bad input is every problem listed, exit code 2, nothing written.
"""

from __future__ import annotations

import ipaddress
import math
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from caseload.options import POLICY_HELP, SEED, parse_date
from caseload.planning import PlanningInputError, _check_out, _fail, _policy_and_data, _pool

SCHEDULER_TIMEOUT = 10.0
"""Seconds to wait for a scheduler before saying it cannot be reached (--connect-timeout)."""


def scheduler_problem(address: str, allow_insecure: bool) -> str | None:
    """Why ``address`` may not be used, or ``None``: a scheduler off this machine only over
    TLS (``tls://``) unless ``--allow-insecure`` is given; children's records travel with
    each task.

    Examples
    --------
    >>> scheduler_problem("tcp://127.0.0.1:8786", False) is None
    True
    >>> scheduler_problem("tcp://10.0.0.5:8786", False)[:40]
    '--scheduler tcp://10.0.0.5:8786: a sched'
    >>> scheduler_problem("tls://10.0.0.5:8786", False) is None
    True
    """
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme not in ("tcp", "tls"):
        return (
            f"--scheduler {address}: expected tcp://HOST:PORT or tls://HOST:PORT, "
            f"not {parts.scheme}://"
        )
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or port is None:
        return f"--scheduler {address}: expected tcp://HOST:PORT or tls://HOST:PORT"
    if parts.scheme == "tls" or allow_insecure or _loopback(host):
        return None
    return (
        f"--scheduler {address}: a scheduler off this machine receives children's records "
        "with every task; use tls:// (Dask's TLS settings) or say --allow-insecure"
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@contextmanager
def executor(
    processes: int, tasks: int, scheduler: str | None, timeout: float = SCHEDULER_TIMEOUT
) -> Iterator[Any]:
    """A ``concurrent.futures`` executor for the runs: Dask's when ``scheduler`` is given
    (an existing cluster; its TLS settings come from Dask's configuration), else a local
    process pool for ``processes > 1``, else none (inline).

    Raises
    ------
    PlanningInputError
        The scheduler cannot be reached (exit 2).
    """
    if scheduler is None:
        with _pool(processes, tasks) as pool:
            yield pool
        return
    client = _connect(scheduler, timeout)
    try:
        yield client.get_executor(pure=False)
    finally:
        client.close()


def _connect(scheduler: str, timeout: float) -> Any:
    """A Dask client of ``scheduler``, or :class:`PlanningInputError` (exit 2) naming it.

    The client is made in a thread given ``timeout`` seconds (and a few more to say
    hello): a port that answers but is not a Dask scheduler (its dashboard, say) would
    otherwise hold the command for ever. Any failure to connect, TLS settings missing
    included, is the scheduler's problem, not an internal error.
    """
    from distributed import Client

    address = scheduler if "://" in scheduler else f"tcp://{scheduler}"
    made: dict[str, Any] = {}

    def connect() -> None:
        try:
            made["client"] = Client(address, timeout=f"{timeout}s", set_as_default=False)
        except Exception as exc:  # every way a connection fails is the user's to fix
            made["error"] = exc

    thread = threading.Thread(target=connect, name="caseload-connect", daemon=True)
    thread.start()
    thread.join(timeout + HANDSHAKE_SECONDS)
    if "client" in made:
        return made["client"]
    # a half-made client complains when collected; the command has said what went wrong
    sys.unraisablehook = _quiet_about_clients
    if thread.is_alive():
        reason = f"no Dask scheduler answered within {timeout:g} s"
    else:
        exc = made["error"]
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, MemoryError):  # it read another protocol's bytes as a length
            reason = "something answered, but not as a Dask scheduler"
        if len(reason) > 200:
            reason = reason[:200] + "..."
    raise PlanningInputError(
        f"error: --scheduler {scheduler}: cannot reach the Dask scheduler ({reason}); "
        "is it the scheduler's address (tcp://HOST:8786 by default, not the dashboard's), "
        "and for tls:// are Dask's TLS settings given?"
    )


HANDSHAKE_SECONDS = 5.0
"""Seconds past ``--connect-timeout`` a connection may take to finish its hello."""


def _quiet_about_clients(unraisable: Any) -> None:
    """Drop the errors a half-made Dask client raises as it is collected; others as usual."""
    if "distributed" in getattr(type(unraisable.object), "__module__", "") or "Client" in str(
        unraisable.object
    ):
        return
    sys.__unraisablehook__(unraisable)


def _cores_unless_given(_context: click.Context, _param: click.Parameter, value: int | None) -> int:
    """A local process pool of one process per core unless ``--processes`` says otherwise
    (issue 11: "a local process pool by default")."""
    return value if value is not None else os.cpu_count() or 1


def _task_options(tasks: str) -> Any:
    """Where the independent tasks (``tasks``: runs, authorities) go: ``--processes``,
    ``--scheduler`` with ``--allow-insecure`` and ``--connect-timeout``; and ``--quiet``."""
    return lambda func: _decorate(func, tasks)


def _decorate(func: Any, tasks: str) -> Any:
    for option in reversed(
        [
            click.option(
                "--processes",
                default=None,
                type=click.IntRange(1, 1024),
                callback=_cores_unless_given,
                help=f"{tasks} side by side in a local process pool (same results; 1: in "
                f"this process) [default: this machine's cores, {os.cpu_count() or 1}].",
            ),
            click.option(
                "--scheduler",
                default=None,
                help="An existing Dask cluster's scheduler, tcp://HOST:PORT or tls://HOST:PORT "
                "(off this machine: tls:// only, unless --allow-insecure).",
            ),
            click.option(
                "--allow-insecure",
                is_flag=True,
                help="Allow a tcp:// scheduler off this machine (tasks carry children's records).",
            ),
            click.option(
                "--connect-timeout",
                default=SCHEDULER_TIMEOUT,
                show_default=True,
                type=click.FloatRange(0, 3600, min_open=True),
                help="Seconds to wait for the scheduler before giving up.",
            ),
            click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors."),
        ]
    ):
        func = option(func)
    return func


@click.command("forecast")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--policy", "policy_name", default="default", show_default=True, help=POLICY_HELP)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--weeks", default=26, show_default=True, type=int, help="Weeks ahead.")
@click.option("--runs", default=200, show_default=True, type=int, help="Runs (seeded draws).")
@click.option("--seed", default=0, show_default=True, type=SEED, help="Root seed of the draws.")
@click.option(
    "--rates",
    "rates_file",
    type=click.Path(path_type=Path),
    help="CSV of team_id, category, arrivals_per_week[, closures_per_week] "
    "[default: arrivals from referred_on, closures at the steady state].",
)
@click.option("--plan", "plan_file", type=click.Path(path_type=Path), help="A plan TOML file.")
@click.option("--variant", help="The plan's variant whose changes apply (with --plan).")
@click.option(
    "--from-week", default=0, show_default=True, type=int, help="Week the variant applies from."
)
@click.option("--as-of", default=None, callback=parse_date, help="Week 0 [default: today].")
@click.option(
    "--mode",
    default="greedy",
    show_default=True,
    type=click.Choice(["greedy", "cp-sat"]),
    help="How each week's batch is allocated: the greedy baseline under every rule (fast), "
    "or CP-SAT with its proof stage under --work-limit and --gap-limit.",
)
@click.option(
    "--work-limit",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0, 1e6, min_open=True),
    help="Deterministic work limit per weekly sub-problem (reproducible; --mode cp-sat).",
)
@click.option(
    "--gap-limit",
    default=0.01,
    show_default=True,
    type=click.FloatRange(0, 1, max_open=True),
    help="Balance gap of each weekly solve (--mode cp-sat).",
)
@click.option(
    "--time-limit",
    default=120.0,
    show_default=True,
    type=click.FloatRange(0, 1e7, min_open=True),
    help="Wall-clock safety stop per weekly solve, in seconds.",
)
@_task_options("Runs")
def forecast_command(
    data: Path,
    policy_name: str,
    out: Path,
    weeks: int,
    runs: int,
    seed: int,
    rates_file: Path | None,
    plan_file: Path | None,
    variant: str | None,
    from_week: int,
    as_of: date | None,
    mode: str,
    work_limit: float,
    gap_limit: float,
    time_limit: float,
    processes: int,
    scheduler: str | None,
    allow_insecure: bool,
    connect_timeout: float,
    quiet: bool,
) -> None:
    """Forecast DATA week by week: referrals arrive, cases close, the engine allocates.

    Each of --runs runs draws weekly Poisson arrivals and closures per team and
    category with its own seed; bands (median, 10th and 90th percentile) of
    children per FTE, children waiting and workers above the policy's approval
    and exception thresholds, per week, team and service, go to OUT/bands.csv,
    fan charts to OUT/fan.png and fan.svg, the rates and their sources to
    OUT/rates.csv, settings to OUT/summary.json. Same seed, same result, run
    inline, on --processes N or on a Dask cluster (--scheduler).

    \b
    Example:
      caseload forecast data/ --weeks 26 --runs 200 --processes 2 --out fc/
      caseload forecast data/ --plan plans/cin-pressures.toml \\
          --variant "lose 3 FTE in CIN" --from-week 4 --out fc-cin/
      caseload forecast data/ --scheduler tcp://127.0.0.1:8786 --out fc/
    """
    from scenarios import (
        FolderError,
        ForecastError,
        ForecastSettings,
        PlanError,
        estimate_rates,
        plan_change,
        read_rates,
        run_forecast,
        write_forecast,
    )

    problems: list[str] = []
    settings = None
    try:
        settings = ForecastSettings(
            as_of=as_of or date.today(),
            weeks=weeks,
            runs=runs,
            seed=seed,
            mode=mode,
            work_limit=work_limit,
            gap_limit=gap_limit,
            time_limit=time_limit,
        )
    except ForecastError as exc:
        problems += exc.problems
    if mode == "greedy":
        context = click.get_current_context()
        problems += [
            f"{flag} applies to --mode cp-sat: the greedy mode does not search"
            for name, flag in (("work_limit", "--work-limit"), ("gap_limit", "--gap-limit"))
            if context.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
        ]
    if scheduler is not None:
        problem = scheduler_problem(scheduler, allow_insecure)
        if problem:
            problems.append(problem)
    if (plan_file is None) != (variant is None):
        problems.append("--plan and --variant go together: give both or neither")
    change = None
    if plan_file is not None and variant is not None:
        try:
            change = plan_change(plan_file, variant, from_week)
        except PlanError as exc:
            problems += exc.problems
    if from_week != 0 and plan_file is None:
        problems.append(f"--from-week {from_week}: needs --plan and --variant")
    try:
        policy, problem_data = _policy_and_data(data, policy_name)
    except PlanningInputError as exc:  # the data's own problems, listed after the others
        lines = exc.format_message().splitlines()[1:]
        raise _fail([*problems, *(line.strip() for line in lines)]) from None
    rates = None
    if rates_file is not None:
        try:
            rates = read_rates(rates_file, problem_data, policy)
        except ForecastError as exc:
            problems += exc.problems
    if problems or settings is None:
        raise _fail(problems)
    _check_out(out, "forecast")
    later = [c.referred_on for c in problem_data.children if c.referred_on is not None]
    later = [d for d in later if d > settings.as_of]
    if later:
        click.echo(
            f"warning: --as-of {settings.as_of.isoformat()} is before {len(later)} "
            f"{'child' if len(later) == 1 else 'children'}'s referral date (the latest "
            f"{max(later).isoformat()}): the forecast starts before the data; rates from "
            "referred_on count only referrals up to --as-of",
            err=True,
        )
    if rates is None:
        rates = estimate_rates(problem_data, settings.as_of)
    if not quiet:
        arrivals = sum(r.arrivals_per_week for r in rates)
        pool_size = min(processes, runs)
        where = (
            f"on {scheduler}"
            if scheduler
            else "in this process"
            if pool_size == 1
            else f"on a local pool of {pool_size} processes"
        )
        click.echo(
            f"forecast: {runs} runs of {weeks} weeks from {settings.as_of.isoformat()}, "
            f"{arrivals:.1f} arrivals a week expected, {where}",
            err=True,
        )

    def progress(done: int, total: int) -> None:
        if not quiet and sys.stderr.isatty():
            click.echo(f"\rruns: {done}/{total} done", err=True, nl=done == total)

    try:
        with executor(processes, runs, scheduler, connect_timeout) as pool:
            result = run_forecast(problem_data, policy, rates, settings, pool, progress, change)
    except PlanError as exc:
        raise _fail(exc.problems) from None
    inputs = {
        "data": str(data),
        "policy": policy.name,
        "rates": str(rates_file) if rates_file else None,
        "scheduler": scheduler,
    }
    try:
        write_forecast(result, out, inputs)
    except FolderError as exc:
        raise PlanningInputError(f"error: {exc}") from None
    if quiet:
        return
    click.echo(_headline(result))
    for note in result.notes:
        click.echo(f"note: {note}")
    click.echo(f"wrote {out}/ (bands.csv, rates.csv, fan.png, fan.svg, summary.json)")


def _headline(result: Any) -> str:
    """The authority's bands at the last week, as a terminal table."""
    from tabulate import tabulate

    last = result.values.shape[1] - 1
    rows = [
        [r["measure"], f"{r['p10']:g}", f"{r['median']:g}", f"{r['p90']:g}"]
        for r in result.band_rows()
        if r["week"] == last and r["level"] == "authority"
    ]
    head = f"week {last} ({result.week_date(last).isoformat()}), whole authority:"
    return head + "\n" + tabulate(rows, headers=["measure", "p10", "median", "p90"])


@click.command("benchmark-la")
@click.argument("name_or_code")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Also write benchmark.csv and the chart (benchmark.png, benchmark.svg) here.",
)
def benchmark_la_command(name_or_code: str, out: Path | None) -> None:
    """Compare a local authority with its region and England (DfE workforce statistics).

    NAME_OR_CODE is an authority's name (any case) or code (E06000004, or the old
    808). Prints its caseload per FTE, agency, vacancy and turnover rates year by
    year next to its region's and England's, and its place in the latest year.

    \b
    Example:
      caseload benchmark-la Stockton-on-Tees
      caseload benchmark-la E06000004 --out stockton/
    """
    from tabulate import tabulate

    from scenarios import (
        BENCHMARK_MEASURES,
        FolderError,
        NationalError,
        benchmark_authority,
        write_benchmark,
    )

    try:
        bench = benchmark_authority(name_or_code)
    except NationalError as exc:
        raise _fail([str(exc)]) from None
    if out is not None:
        try:
            write_benchmark(bench, out)
        except FolderError as exc:
            raise PlanningInputError(f"error: {exc}") from None

    def value(v: float | None) -> str:
        return "-" if v is None else f"{v:g}"

    click.echo(f"{bench.authority} ({bench.code}), {bench.region}")
    for measure, label in BENCHMARK_MEASURES.items():
        rows = [
            [y["year"], *(value(y[measure][k]) for k in ("authority", "region", "england"))]
            for y in bench.years
        ]
        click.echo(f"\n{label}")
        click.echo(
            tabulate(
                rows, headers=["year", bench.authority, bench.region, "England"],
                disable_numparse=True,
            )
        )  # fmt: skip
        places = []
        for scope, where in (("region", bench.region), ("england", "England")):
            rank = bench.ranks[measure][scope]
            if rank is not None:
                places.append(f"{rank[0]} of {rank[1]} in {where}")
        if places:
            click.echo(f"place in {bench.years[-1]['year']} (1 = lowest): {'; '.join(places)}")
    click.echo(
        "\nSource: Department for Education, Children's social work workforce statistics "
        "(Open Government Licence v3.0)."
    )
    if out is not None:
        click.echo(f"wrote {out}/ (benchmark.csv, benchmark.png, benchmark.svg)")


@click.command("national")
@click.option(
    "--target-per-fte",
    required=True,
    type=float,
    help="The caseload target: at most X children per case-holding FTE.",
)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--region", help="Only this region's authorities (one of the nine, or Inner London).")
@click.option("--limit", type=int, help="Only the first N authorities (in the DfE file's order).")
@click.option("--policy", "policy_name", default="default", show_default=True, help=POLICY_HELP)
@click.option("--seed", default=0, show_default=True, type=SEED, help="Generator and solver seed.")
@click.option(
    "--as-of", default="2025-09-30", show_default=True, callback=parse_date,
    help="Allocation date of the generated authorities.",
)  # fmt: skip
@click.option(
    "--work-limit",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0, 1e6, min_open=True),
    help="Deterministic work limit per solve (reproducible).",
)
@_task_options("Authorities")
def national_command(
    target_per_fte: float,
    out: Path,
    region: str | None,
    limit: int | None,
    policy_name: str,
    seed: int,
    as_of: date,
    work_limit: float,
    processes: int,
    scheduler: str | None,
    allow_insecure: bool,
    connect_timeout: float,
    quiet: bool,
) -> None:
    """How many case-holding FTE England's authorities need at a caseload target.

    For every authority of the latest DfE year, a DfE-shaped authority at its
    published case-holding FTE and cases is staffed as plan-staffing
    --target-per-fte X does. OUT gets national.csv (per authority: FTE now, FTE
    needed, difference), totals.csv (the nine regions and England, as sums of the
    published authority rows; authorities with suppressed figures listed and the
    rest of the DfE England row shown as theirs), national.png/.svg and
    summary.json.

    \b
    Example:
      caseload national --target-per-fte 18 --region "North East" --out ne/
      caseload national --target-per-fte 18 --scheduler tcp://127.0.0.1:8786 --out england/
    """
    from models import Options, PolicyError, load_policy
    from scenarios import FolderError, NationalError, find_region, run_national, write_national

    problems = []
    if region is not None:
        try:
            region = find_region(region)
        except NationalError as exc:
            problems.append(str(exc))
    if not 0 < target_per_fte < math.inf:
        problems.append(f"--target-per-fte {target_per_fte:g}: must be a finite number above 0")
    if limit is not None and limit < 1:
        problems.append(f"--limit {limit}: must be 1 or more")
    if scheduler is not None:
        problem = scheduler_problem(scheduler, allow_insecure)
        if problem:
            problems.append(problem)
    try:
        policy = load_policy(policy_name)
    except PolicyError as exc:
        problems.append(f"--policy: {exc}")
    if problems:
        raise _fail(problems)
    _check_out(out, "national")
    options = Options(
        as_of=as_of, work_limit=work_limit, gap_limit=1e-4, seed=seed, time_limit=600.0
    )

    def progress(done: int, total: int) -> None:
        if not quiet and sys.stderr.isatty():
            click.echo(f"\rauthorities: {done}/{total} done", err=True, nl=done == total)

    tasks = 151 if limit is None else limit  # authorities, at most
    try:
        with executor(processes, tasks, scheduler, connect_timeout) as pool:
            result = run_national(
                policy,
                target_per_fte,
                options,
                region=region,
                limit=limit,
                executor=pool,
                progress=progress,
            )
    except NationalError as exc:
        raise _fail([str(exc)]) from None
    settings = {
        "policy": policy.name,
        "region": region,
        "limit": limit,
        "scheduler": scheduler,
        **options.model_dump(mode="json"),
        # where the authorities ran (each solve itself uses one process)
        "processes": None if scheduler else min(processes, tasks),
    }
    try:
        write_national(result, out, settings)
    except FolderError as exc:
        raise PlanningInputError(f"error: {exc}") from None
    if quiet:
        return
    from tabulate import tabulate

    rows = [
        [
            t["la_name"],
            *(
                "-" if t[c] is None else f"{t[c]:,.1f}"
                for c in ("published_case_holders_fte", "fte_now", "fte_needed", "difference")
            ),
        ]
        for t in result.totals
    ]
    click.echo(
        tabulate(
            rows, headers=["", "published FTE", "FTE now", "FTE needed", "difference"],
            disable_numparse=True,
        )
    )  # fmt: skip
    if result.suppressed:
        names = ", ".join(r["la_name"] for r in result.suppressed)
        click.echo(f"suppressed in the DfE figures (not staffed, not guessed): {names}")
    click.echo(f"wrote {out}/ (national.csv, totals.csv, national.png, national.svg, summary.json)")


COMMANDS = (forecast_command, benchmark_la_command, national_command)
"""The forecast and national commands, added to ``caseload`` by ``caseload.cli``."""
