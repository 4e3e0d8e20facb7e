"""The planner's commands: ``scenario run``, ``scenario example``, ``plan-staffing`` and
``plan-teams``. Each parses its options, calls the planner (``scenarios``) and prints
the result; bad input is every problem listed, exit code 2, nothing written."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click

from caseload.options import POLICY_HELP, SEED, parse_date

EXIT_INPUT = 2


class PlanningInputError(click.ClickException):
    """Bad input to a planning command: one clean message, exit code 2, no traceback."""

    exit_code = EXIT_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True)


def _fail(problems: list[str]) -> PlanningInputError:
    n = len(problems)
    head = f"error: {n} problem{'s' if n != 1 else ''} found"
    return PlanningInputError("\n".join([head, *(f"  {p}" for p in problems)]))


@contextmanager
def _pool(processes: int, tasks: int) -> Iterator[ProcessPoolExecutor | None]:
    """A process pool for ``processes > 1`` (started fresh, ``spawn``), else nothing; warns
    when the processes outnumber the cores. Leaving the block on an error, Ctrl-C or
    SIGTERM cancels the tasks not started and ends the processes at once (a pool's own
    exit would wait for every queued task first)."""
    if processes <= 1 or tasks <= 1:
        yield None
        return
    cores = os.cpu_count() or 1
    if processes > cores:
        click.echo(
            f"warning: {processes} processes on {cores} cores: runs will share cores "
            "(results are the same, only slower)",
            err=True,
        )
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(min(processes, tasks), mp_context=context)
    try:
        yield pool
    except BaseException:
        _stop_now(pool)
        raise
    pool.shutdown(wait=True)


def _stop_now(pool: ProcessPoolExecutor) -> None:
    """Cancel the tasks not started and end the pool's processes now (tasks are pure
    functions: nothing of theirs is lost, and nothing was written)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14
    if terminate is not None:
        terminate()
        return
    running = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in running:
        process.terminate()
    for process in running:
        process.join(5)


def _check_out(out: Path, kind: str) -> None:
    """Stop now (exit 2) when ``out`` could not be written at the end, before solving."""
    from scenarios import FolderError, check_output_folder

    try:
        check_output_folder(out, kind)
    except FolderError as exc:
        raise PlanningInputError(f"error: {exc}") from None


def _policy_and_data(data: Path, policy_name: str) -> tuple[Any, Any]:
    from allocator import InputError, describe_problems, read_data
    from models import PolicyError, load_policy

    try:
        policy = load_policy(policy_name)
    except PolicyError as exc:
        raise _fail([f"--policy: {exc}"]) from None
    try:
        return policy, read_data(data, policy)
    except InputError as exc:
        # The same problem on many rows is one line, as `caseload validate` prints it.
        raise _fail([f"{data}: {line}" for line in describe_problems(exc.problems)]) from None


def _limits(func: Any) -> Any:
    """``--work-limit``, ``--time-limit`` and ``--processes``, shared by the planning commands."""
    for option in reversed(
        [
            click.option(
                "--work-limit",
                default=10.0,
                show_default=True,
                type=click.FloatRange(0, 1e6, min_open=True),
                help="Deterministic work limit per solve (reproducible).",
            ),
            click.option(
                "--time-limit",
                default=600.0,
                show_default=True,
                type=click.FloatRange(0, 1e7, min_open=True),
                help="Wall-clock safety stop per solve, in seconds (a run it stops is marked).",
            ),
            click.option(
                "--processes",
                default=1,
                show_default=True,
                type=click.IntRange(1, 1024),
                help="Solves run side by side, in separate processes (same results).",
            ),
            click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors."),
        ]
    ):
        func = option(func)
    return func


@click.group()
def scenario() -> None:
    """What-if plans: a base, a policy and named variants, compared.

    \b
    Example:
      caseload scenario example plans/
      caseload scenario run plans/cin-pressures.toml --out cin/ --processes 2
    """


@scenario.command("run")
@click.argument("plan", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--gap-limit",
    default=1e-4,
    show_default=True,
    type=click.FloatRange(0, 1, max_open=True),
    help="Stop balancing within this relative gap of the bound (0 insists on proof).",
)
@_limits
def scenario_run(
    plan: Path,
    out: Path,
    gap_limit: float,
    work_limit: float,
    time_limit: float,
    processes: int,
    quiet: bool,
) -> None:
    """Evaluate PLAN's base and every variant and write the comparison to OUT.

    OUT gets comparison.csv (one row per variant, base first), comparison.png and
    comparison.svg, summary.json, and variants/<name>/ with each variant's data/
    and proposal/. Variants solve under the work limit, so --processes N gives the
    same results as one process.

    \b
    Example:
      caseload scenario run plans/cin-pressures.toml --out cin/ --processes 2
    """
    from scenarios import FolderError, PlanError, RunSettings, prepare_plan, run_plan, write_plan

    try:
        prepared = prepare_plan(plan)
    except PlanError as exc:
        raise _fail(exc.problems) from None
    _check_out(out, "plan")
    settings = RunSettings(work_limit=work_limit, time_limit=time_limit, gap_limit=gap_limit)
    if not quiet:
        click.echo(
            f"plan {prepared.plan.name!r}: base and {len(prepared.variants) - 1} variants",
            err=True,
        )

    def progress(done: int, total: int) -> None:
        if not quiet and sys.stderr.isatty():
            click.echo(f"\rvariants: {done}/{total} done", err=True, nl=done == total)

    with _pool(processes, len(prepared.variants)) as pool:
        run = run_plan(prepared, settings, pool, progress)
    try:
        write_plan(run, out)
    except FolderError as exc:
        raise PlanningInputError(f"error: {exc}") from None
    if not quiet:
        click.echo(comparison_table(run.rows))
        for outcome in run.outcomes:
            if outcome.violations:
                click.echo(
                    f"warning: variant {outcome.name!r}: the checker found "
                    f"{len(outcome.violations)} broken rules: {outcome.violations[0]}",
                    err=True,
                )
        click.echo(
            f"wrote {out}/ (comparison.csv, comparison.png, comparison.svg, "
            "summary.json, variants/)"
        )


def comparison_table(rows: list[dict[str, Any]]) -> str:
    """The comparison as a terminal table: differences from base shown after each value."""
    from tabulate import tabulate

    from scenarios import differences

    headers = [
        "variant",
        "FTE",
        "children",
        "allocated",
        "waiting",
        "mean/FTE",
        "max/FTE",
        "above cap",
        "in band",
        "splits",
        "objective",
        "FTE needed",
        "status",
    ]
    body = differences(rows)
    for cells, row in zip(body, rows, strict=True):
        if row["wall_limited"]:
            cells[-1] += " (wall-limited)"
    note = "(n) after a value: its difference from base; * a changed status"
    return tabulate(body, headers=headers, disable_numparse=True) + "\n" + note


@scenario.command("example")
@click.argument("folder", type=click.Path(path_type=Path))
def scenario_example(folder: Path) -> None:
    """Write the example plans with the example authority they run on into FOLDER.

    \b
    Example:
      caseload scenario example plans/
      caseload scenario run plans/ten-variants.toml --out ten/
    """
    from scenarios import FolderError, write_example

    try:
        plans = write_example(folder)
    except FolderError as exc:
        raise PlanningInputError(f"error: {exc}") from None
    click.echo(f"wrote {folder}/: data/, data-barnet/ and {', '.join(p.name for p in plans)}")
    click.echo(f"try: caseload scenario run {plans[0]} --out {folder / 'cin-pressures-out'}")


@click.command("plan-staffing")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--policy", "policy_name", default="default", show_default=True, help=POLICY_HELP)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option("--total-fte", type=float, help="Share out this many case-holding FTE.")
@click.option("--add-fte", type=float, help="Add this many FTE to today's staffing.")
@click.option(
    "--target-per-fte",
    type=float,
    help="The least FTE per team with no child waiting and nobody above X children per FTE.",
)
@click.option(
    "--granularity",
    default=1.0,
    show_default=True,
    type=float,
    help="Post size in FTE (1 whole posts; 0.5 half posts; must divide 1).",
)
@click.option(
    "--from-scratch", is_flag=True, help="Ignore today's staffing: place every child afresh."
)
@click.option(
    "--as-of", default=None, callback=parse_date, help="Allocation date [default: today]."
)
@click.option(
    "--gap-limit",
    default=None,
    type=click.FloatRange(0, 1, max_open=True),
    help="Balance gap per solve [default: 0 (proof) for --total-fte/--add-fte, "
    "0.0001 for --target-per-fte].",
)
@click.option("--seed", default=0, show_default=True, type=SEED, help="Solver seed.")
@_limits
def plan_staffing_command(
    data: Path,
    policy_name: str,
    out: Path,
    total_fte: float | None,
    add_fte: float | None,
    target_per_fte: float | None,
    granularity: float,
    from_scratch: bool,
    as_of: date | None,
    gap_limit: float | None,
    seed: int,
    work_limit: float,
    time_limit: float,
    processes: int,
    quiet: bool,
) -> None:
    """Decide the case-holding FTE of each team in DATA jointly with the allocation.

    Give one of --total-fte N (share N FTE among the teams), --add-fte N or
    --target-per-fte X. OUT gets staffing.csv (FTE per team now and proposed,
    with the reason), proposal/ (the allocation under the proposed staffing) and
    summary.json (whether the staffing is proven optimal).

    \b
    Example:
      caseload plan-staffing data/ --policy merton --add-fte 2 --out staffing/
      caseload plan-staffing data/ --target-per-fte 18 --granularity 0.5 --out need/
    """
    from models import Options
    from scenarios import FolderError, StaffingError, plan_staffing, write_staffing

    policy, problem = _policy_and_data(data, policy_name)
    _check_out(out, "staffing")
    if gap_limit is None:
        gap_limit = 1e-4 if target_per_fte is not None else 0.0
    options = Options(
        as_of=as_of or date.today(),
        work_limit=work_limit,
        time_limit=time_limit,
        gap_limit=gap_limit,
        seed=seed,
        processes=processes,
    )
    try:
        result = plan_staffing(
            problem,
            policy,
            options,
            total_fte=total_fte,
            add_fte=add_fte,
            target_per_fte=target_per_fte,
            granularity=granularity,
            from_scratch=from_scratch,
        )
    except StaffingError as exc:
        raise _fail(exc.problems) from None
    settings = {
        "policy": policy.name,
        "data": str(data),
        **options.model_dump(mode="json"),
    }
    try:
        write_staffing(result, out, settings)
    except FolderError as exc:
        raise PlanningInputError(f"error: {exc}") from None
    if quiet:
        return
    from tabulate import tabulate

    rows = [
        [t.team_id, t.service, f"{t.fte_now:g}", f"{t.fte_proposed:g}", t.reason]
        for t in result.teams
        if t.fte_now != t.fte_proposed or t.posts_added
    ]
    if rows:
        click.echo(tabulate(rows, headers=["team", "service", "FTE now", "proposed", "why"]))
    else:
        click.echo("no team's FTE changes")
    proof = "proven optimal" if result.proven else "not proven optimal"
    click.echo(
        f"{result.fte_proposed:g} case-holding FTE proposed ({proof}, {result.solves} team "
        f"solves); objective {result.proposal.objective:,.2f}, "
        f"{result.proposal.children_unallocated} children waiting"
    )
    for note in result.notes:
        click.echo(f"note: {note}")
    if target_per_fte is not None:
        above = [w for w in result.proposal.workers if w.children_per_fte > target_per_fte + 1e-9]
        if above:
            click.echo(
                f"note: {len(above)} workers still hold more than {target_per_fte:g} children "
                "per FTE: today's caseloads stay with their workers (see proposal/workers.csv)"
            )
    if result.proposal.stats.get("wall_limited"):
        click.echo(
            "warning: the wall clock (--time-limit) stopped a solve before its work limit: "
            "the proposal may place fewer children or be less even than these posts allow; "
            "run again with a larger --time-limit",
            err=True,
        )
    click.echo(f"wrote {out}/ (staffing.csv, proposal/, summary.json)")


@click.command("plan-teams")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--policy", "policy_name", default="default", show_default=True, help=POLICY_HELP)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--max-asye-per-manager",
    type=click.IntRange(0, 1000),
    default=None,
    help="At most N ASYE workers per manager [default: no limit].",
)
@click.option(
    "--oversight-limit",
    is_flag=True,
    help="Treat the policy's oversight maximum (cases per manager) as a hard limit "
    "[default: as the policy says (span.oversight_hard)].",
)
@click.option(
    "--work-limit",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0, 1e6, min_open=True),
    help="Deterministic work limit of the solve (reproducible).",
)
@click.option("--seed", default=0, show_default=True, type=SEED, help="Solver seed.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors.")
def plan_teams_command(
    data: Path,
    policy_name: str,
    out: Path,
    max_asye_per_manager: int | None,
    oversight_limit: bool,
    work_limit: float,
    seed: int,
    quiet: bool,
) -> None:
    """Assign DATA's case-holding workers to team managers, moving the fewest.

    Spans at most the policy's maximum and as close to its ideal as the numbers
    allow, services kept apart, children moving with their worker. OUT gets data/
    (teams.csv, workers.csv and children.csv ready to allocate), moves.csv,
    teams_summary.csv and summary.json.

    \b
    Example:
      caseload plan-teams data/ --policy merton --out teams/
      caseload plan-teams data/ --max-asye-per-manager 2 --out teams/
    """
    from scenarios import FolderError, TeamsError, plan_teams, write_teams

    policy, problem = _policy_and_data(data, policy_name)
    _check_out(out, "teams")
    try:
        result = plan_teams(
            problem,
            policy,
            max_asye_per_manager=max_asye_per_manager,
            oversight_limit=True if oversight_limit else None,
            work_limit=work_limit,
            seed=seed,
        )
    except TeamsError as exc:
        raise _fail(exc.problems) from None
    settings = {
        "policy": policy.name,
        "data": str(data),
        "max_asye_per_manager": max_asye_per_manager,
        "oversight_limit": oversight_limit,
        "work_limit": work_limit,
        "seed": seed,
    }
    try:
        write_teams(result, out, settings)
    except FolderError as exc:
        raise PlanningInputError(f"error: {exc}") from None
    if quiet:
        return
    from tabulate import tabulate

    if result.moves:
        click.echo(
            tabulate(
                [
                    [m.worker_id, m.role, f"{m.fte:g}", m.from_team, m.to_team, m.children]
                    for m in result.moves
                ],
                headers=["worker", "role", "FTE", "from", "to", "children"],
            )
        )
    outside = [t for t in result.teams if t.oversight != "within"]
    click.echo(
        f"{len(result.moves)} workers moved; spans {result.span_deviation:g} FTE from the ideal "
        f"in all ({result.status}); {len(outside)} teams outside the oversight range"
    )
    click.echo(f"wrote {out}/ (data/, moves.csv, teams_summary.csv, summary.json)")


COMMANDS = (scenario, plan_staffing_command, plan_teams_command)
"""The planner's commands, added to ``caseload`` by ``caseload.cli``."""
