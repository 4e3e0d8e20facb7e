"""The ``caseload`` command's commands: each parses its options, calls the library and
prints the result (sqlite-utils' habit).

Bad input ends with every problem listed, exit code 2 and no traceback; an
unexpected error with one line and exit code 1 (``CASELOAD_DEBUG=1`` shows the
traceback).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from caseload.options import POLICY_HELP, SEED, parse_date, solve_options
from caseload.printing import Progress, ReadProgress, human_summary
from models import Policy, PolicyError, ProblemData, load_policy

EXIT_INPUT = 2
EXIT_INTERNAL = 1
DEMO_AS_OF = date(2026, 11, 23)
"""The demo's allocation date, fixed so that the demo's output never changes."""
REPRODUCE_KEEPS = ("quiet", "processes", "verbose")
"""Options ``--reproduce`` may be given with (they do not change the proposal)."""


class InputProblemsError(click.ClickException):
    """Bad input: one clean message, exit code 2, no traceback."""

    exit_code = EXIT_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(self.format_message(), err=True)


def _policy(name: str) -> Policy:
    try:
        return load_policy(name)
    except PolicyError as exc:
        raise InputProblemsError(f"error: {exc}") from None


def _problems(
    where: Path, problems: list[Any], warnings: list[Any] | None = None
) -> InputProblemsError:
    from allocator import describe_problems

    n = len(problems)
    lines = [f"error: {where}: {n} problem{'s' if n != 1 else ''} found"]
    lines += [f"  {line}" for line in describe_problems(problems)]
    lines += [f"warning: {line}" for line in describe_problems(warnings or [])]
    return InputProblemsError("\n".join(lines))


def _read(path: Path, policy: Policy, quiet: bool = False) -> ProblemData:
    """Read DATA; errors end the command (exit 2), warnings are printed to stderr."""
    from allocator import InputError, describe_problems, read_data

    warnings: list[Any] = []
    progress = None if quiet else ReadProgress()
    try:
        data = read_data(path, policy, warnings=warnings, progress=progress)
    except InputError as exc:
        raise _problems(path, exc.problems, warnings) from None
    finally:
        if progress is not None:
            progress.end()
    if not quiet:
        for line in describe_problems(warnings):
            click.echo(f"warning: {line}", err=True)
    return data


def _check_out(folder: Path, kind: str = "output") -> None:
    """Stop now (exit 2) if ``folder`` cannot be written, before any long work."""
    from allocator import OutputError, check_output_folder

    try:
        check_output_folder(folder, kind)
    except OutputError as exc:
        raise InputProblemsError(f"error: {exc}") from None


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an interrupt so the same clean-up runs as for Ctrl-C."""


EXIT_INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT), the shell's convention; 143 after SIGTERM."""


def _stop_on_sigterm() -> None:
    """Turn SIGTERM into the same clean stop as Ctrl-C, so temporary files are removed."""

    def stop(signum: int, frame: Any) -> None:
        raise _Terminated

    with contextlib.suppress(ValueError):  # not the main thread: leave it to the program
        signal.signal(signal.SIGTERM, stop)


def _read_outputs(out: Path) -> Any:
    from allocator import InputError, read_outputs

    try:
        return read_outputs(out)
    except InputError as exc:
        raise _problems(out, exc.problems) from None


class _Group(click.Group):
    """Turns an unexpected exception into one line and exit code 1 (the traceback
    only with ``CASELOAD_DEBUG=1``)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt as exc:
            # Ctrl-C or SIGTERM: temporary folders are gone by now, --out is untouched.
            click.echo("interrupted: nothing written", err=True)
            ctx.exit(143 if isinstance(exc, _Terminated) else EXIT_INTERRUPTED)
        except BrokenPipeError:
            # The reader went away (``caseload explain OUT C1 | head``): end quietly, and
            # point stdout at nothing so Python's last flush does not complain either.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(0)
        except Exception as exc:
            if os.environ.get("CASELOAD_DEBUG"):
                raise
            first = (str(exc).strip().splitlines() or [""])[0]
            click.echo(
                f"internal error: {type(exc).__name__}: {first} "
                "(set CASELOAD_DEBUG=1 for the traceback)",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="caseload")
def main() -> None:
    """Propose fair, explainable caseload allocations for children's social care.

    \b
    Example:
      caseload demo
      caseload validate data/ --policy barnet
      caseload allocate data/ --policy barnet --out proposal/
      caseload explain proposal/ C00042
      caseload report proposal/ --format pdf
    """
    _stop_on_sigterm()


@main.command()
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--policy", default="default", show_default=True, help=POLICY_HELP)
def validate(data: Path, policy: str) -> None:
    """Check DATA (a folder or .xlsx workbook) and list every problem.

    \b
    Example:
      caseload validate data/ --policy merton
    """
    rules = _policy(policy)
    problem = _read(data, rules)
    waiting = sum(1 for c in problem.children if c.worker_id is None)
    click.echo(
        f"ok: {len(problem.teams)} teams, {len(problem.workers)} workers, "
        f"{len(problem.children)} children ({waiting} waiting for a worker)"
    )


def _options(values: dict[str, Any]) -> Any:
    """``models.Options`` from the command's values; an out-of-range value is exit 2."""
    from pydantic import ValidationError

    from models import Options

    try:
        return Options(**values)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            flag = "--" + str(error["loc"][0]).replace("_", "-") if error["loc"] else "options"
            lines.append(f"error: {flag}: {error['msg']} (got {error.get('input')!r})")
        raise InputProblemsError("\n".join(lines)) from None


def _allocate_and_write(
    problem: ProblemData,
    rules: Policy,
    options: Any,
    out: Path,
    quiet: bool,
    verbose: bool = False,
    from_file: int | None = None,
) -> Any:
    """Allocate, write ``out`` and print the summary; returns the result. Adjustments
    past the first ``from_file`` came from flags, and their problems say so."""
    from allocator import InputError, OutputError, allocate, summary, write_outputs

    known = {w.worker_id for w in problem.workers}
    unknown = [w for w in options.release if w not in known]
    if unknown:
        raise InputProblemsError(f"error: --release: unknown worker_id {', '.join(unknown)}")
    progress = None if quiet else Progress()
    try:
        result = allocate(problem, rules, options, progress=progress)
    except InputError as exc:
        found = [_flag_problem(p, from_file) for p in exc.problems]
        raise _problems(Path(problem.source or "input"), found) from None
    if progress is not None:
        progress.end()
    try:
        write_outputs(result, out)
    except OutputError as exc:
        raise InputProblemsError(f"error: {exc}") from None
    if not quiet:
        click.echo(human_summary(result, summary(result), out, verbose))
    return result


@main.command()
@click.argument("data", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--reproduce",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Run again from an earlier output folder's own input, policy and options.",
)
@click.option(
    "--report",
    "with_report",
    is_flag=True,
    help="Also write OUT/report.html, the proposal as a manager reads it (caseload report).",
)
@solve_options
@click.pass_context
def allocate(
    ctx: click.Context,
    data: Path | None,
    out: Path,
    reproduce: Path | None,
    with_report: bool,
    policy_name: str,
    quiet: bool,
    **values: Any,
) -> None:
    """Allocate the waiting children in DATA and write a proposal to OUT.

    OUT also keeps a copy of the input and the policy in force (OUT/input/), so
    the run can be checked or repeated from OUT alone (--reproduce).

    \b
    Example:
      caseload allocate data/ --policy barnet --out proposal/ --time-limit 60 --seed 0
      caseload allocate data/ --policy barnet --out leave/ --release W012
      caseload allocate data/ --out even/ --rebalance --max-moves 20
      caseload allocate --reproduce proposal/ --out again/
      caseload allocate data/ --policy barnet --out proposal/ --report
    """
    if reproduce is not None:
        _reproduce(ctx, data, reproduce, out, quiet, values)
        if with_report:
            _write_report(out, None, None, quiet)
        return
    if data is None:
        raise click.UsageError("give DATA (a data folder or .xlsx workbook), or --reproduce OUT")
    if values["rebalance"] is False and values["max_moves"]:
        raise InputProblemsError("error: --max-moves needs --rebalance")
    flags = {k: values.pop(k) for k in ("pin", "forbid", "exclude", "reason")}
    verbose = values.pop("verbose")
    values["release"] = tuple(values["release"])
    values["release_managers"] = not values.pop("keep_manager_cases")
    values["as_of"] = values["as_of"] or date.today()
    rules = _policy(policy_name)
    options = _options(values)
    read = _read(data, rules, quiet)
    problem = _with_adjustments(read, **flags)
    _check_out(out)
    _allocate_and_write(problem, rules, options, out, quiet, verbose, len(read.adjustments))
    if with_report:
        _write_report(out, None, None, quiet)


def _write_report(folder: Path, fmt: str | None, output: Path | None, quiet: bool) -> Path:
    """Render and write a report of ``folder``; bad input or options are exit 2."""
    from allocator import InputError
    from reports import ReportError, write_report

    try:
        written = write_report(folder, fmt, output)
    except InputError as exc:
        raise _problems(folder, exc.problems) from None
    except ReportError as exc:
        raise InputProblemsError(f"error: {exc}") from None
    if not quiet:
        size = written.stat().st_size
        click.echo(f"wrote {written} ({size / 1e6:.1f} MB)" if size >= 1e5 else f"wrote {written}")
    return written


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "xlsx", "pdf"]),
    default=None,
    help="html (one page, opens offline), xlsx (a workbook) or pdf (A4, printed by the "
    "machine's Chromium) [default: from --output's suffix, else html].",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write [default: FOLDER/report.FORMAT, which belongs to the folder].",
)
def report(folder: Path, fmt: str | None, output: Path | None) -> None:
    """Write the report of FOLDER: a proposal (allocate --out), a scenario plan's output
    or a forecast (forecast --out).

    The kind of folder is recognised. A proposal's report reads the folder's own
    copy of its input, so it needs nothing else; a later allocate --out to the
    folder replaces the report with the rest.

    \b
    Example:
      caseload report proposal/
      caseload report proposal/ --format xlsx
      caseload report proposal/ --output board/week-48.pdf
      caseload report plan-out/
      caseload report forecast-out/
    """
    _write_report(folder, fmt, output, quiet=False)


def _flag_problem(problem: Any, from_file: int | None) -> Any:
    """A problem with an adjustment given as a flag names the flags, not a row of an
    adjustments.csv the data may not even have."""
    if from_file is None or problem.file != "adjustments.csv" or problem.row is None:
        return problem
    if problem.row - 1 <= from_file:
        return problem
    return dataclasses.replace(problem, file="--pin/--forbid/--exclude", row=None, column=None)


def _with_adjustments(
    data: ProblemData,
    pin: tuple[str, ...],
    forbid: tuple[str, ...],
    exclude: tuple[str, ...],
    reason: str | None,
) -> ProblemData:
    """``data`` with the manager's adjustments given as flags added to adjustments.csv's."""
    from pydantic import ValidationError

    from models import Adjustment, AdjustmentAction

    if not (pin or forbid or exclude):
        return data
    if not reason or not reason.strip():
        raise click.UsageError("--pin, --forbid and --exclude need --reason (it is recorded)")
    extra = []
    problems = []
    for action, given in ((AdjustmentAction.PIN, pin), (AdjustmentAction.FORBID, forbid)):
        for text in given:
            child, sep, worker = text.partition("=")
            if not sep or not child.strip() or not worker.strip():
                problems.append(f"--{action.value} {text!r}: expected CHILD=WORKER")
                continue
            extra.append(
                Adjustment(
                    action=action,
                    child_id=child.strip(),
                    worker_id=worker.strip(),
                    reason=reason.strip(),
                )
            )
    for worker in exclude:
        extra.append(
            Adjustment(
                action=AdjustmentAction.EXCLUDE, worker_id=worker.strip(), reason=reason.strip()
            )
        )
    if not problems:
        try:
            return ProblemData.model_validate(
                {**dict(data), "adjustments": data.adjustments + tuple(extra)}
            )
        except ValidationError as exc:
            problems += [str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()]
    raise InputProblemsError("\n".join(f"error: {p}" for p in problems))


def _reproduce(
    ctx: click.Context,
    data: Path | None,
    earlier: Path,
    out: Path,
    quiet: bool,
    values: dict[str, Any],
) -> None:
    """Repeat the run recorded in ``earlier`` and say whether the proposal is the same."""
    from click.core import ParameterSource

    given = [
        name
        for name in (*values, "policy_name")
        if name not in REPRODUCE_KEEPS
        and ctx.get_parameter_source(name) is not ParameterSource.DEFAULT
    ]
    if data is not None or given:
        flags = ["DATA"] if data is not None else []
        flags += ["--" + ("policy" if n == "policy_name" else n.replace("_", "-")) for n in given]
        raise click.UsageError(
            f"--reproduce takes the input, policy and options recorded in {earlier}; "
            f"do not also give {', '.join(flags)}"
        )
    if out.resolve() == earlier.resolve():
        raise click.UsageError("--out must differ from the folder given to --reproduce")
    before = _read_outputs(earlier)
    options = _options({**before.options.model_dump(), "processes": values["processes"]})
    _check_out(out)
    after = _allocate_and_write(
        before.data, before.policy, options, out, quiet, values.get("verbose", False)
    )
    changed = [
        a.child_id
        for a, b in zip(before.allocations, after.allocations, strict=True)
        if (a.worker_id, a.status) != (b.worker_id, b.status)
    ]
    if not changed:
        click.echo(f"reproduced {earlier}: every child placed as before")
        return
    cause = (
        " (the earlier run was stopped by the wall clock, which is not reproducible)"
        if before.stats.get("wall_limited")
        else ""
    )
    shown = ", ".join(changed[:5]) + (", ..." if len(changed) > 5 else "")
    click.echo(
        f"differs from {earlier}: {len(changed)} children placed differently ({shown}){cause}"
    )


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--policy", default="default", show_default=True, help=POLICY_HELP)
@click.option("--seed", default=0, show_default=True, type=SEED, help="Generator seed.")
@click.option(
    "--fte",
    default=140.5,
    show_default=True,
    type=click.FloatRange(0, 5000, min_open=True),
    help="Case-holding FTE of each authority (the largest in England has about 500).",
)
@click.option(
    "--new",
    "new_referrals",
    default=250,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="New referrals per authority.",
)
@click.option(
    "--authorities",
    default=1,
    show_default=True,
    type=click.IntRange(1, 200),
    help="Copies of the authority.",
)
def example(
    folder: Path, policy: str, seed: int, fte: float, new_referrals: int, authorities: int
) -> None:
    """Write an example authority's data folder (shaped by DfE statistics) to FOLDER.

    \b
    Example:
      caseload example data/ --policy barnet --seed 1
    """
    from allocator import OutputError, write_data
    from scenarios import generate_authority

    rules = _policy(policy)
    _check_out(folder, "data")
    try:
        data = generate_authority(
            rules,
            seed=seed,
            case_holding_fte=fte,
            new_referrals=new_referrals,
            authorities=authorities,
        )
    except ValueError as exc:
        raise InputProblemsError(f"error: {exc}") from None
    try:
        write_data(data, folder)
    except OutputError as exc:
        raise InputProblemsError(f"error: {exc}") from None
    click.echo(
        f"wrote {folder}/: {len(data.teams)} teams, {len(data.workers)} workers, "
        f"{len(data.children)} children"
    )


@main.command()
@click.option(
    "--out",
    "folder",
    default="caseload-demo",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Folder for the example data and proposal.",
)
@click.option("--policy", default="default", show_default=True, help=POLICY_HELP)
@click.option("--seed", default=0, show_default=True, type=SEED, help="Generator and solver seed.")
@click.option(
    "--time-limit",
    default=60.0,
    show_default=True,
    help="Wall-clock safety stop of the solve, in seconds.",
)
def demo(folder: Path, policy: str, seed: int, time_limit: float) -> None:
    """Generate an example authority, allocate its new referrals, print the summary.

    \b
    Example:
      caseload demo --out demo/
    """
    from allocator import OutputError, write_data
    from scenarios import generate_authority

    rules = _policy(policy)
    options = _options({"time_limit": time_limit, "seed": seed, "as_of": DEMO_AS_OF})
    _check_out(folder / "data", "data")
    _check_out(folder / "proposal")
    data = generate_authority(rules, seed=seed, as_of=DEMO_AS_OF)
    try:
        write_data(data, folder / "data")
    except OutputError as exc:
        raise InputProblemsError(f"error: {exc}") from None
    waiting = sum(1 for c in data.children if c.worker_id is None)
    click.echo(
        f"example authority: {len(data.teams)} teams, {len(data.workers)} workers, "
        f"{len(data.children)} children, {waiting} new referrals (written to {folder}/data)"
    )
    problem = _read(folder / "data", rules)
    _allocate_and_write(problem, rules, options, folder / "proposal", quiet=False)


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("child_id", metavar="ID")
def explain(out: Path, child_id: str) -> None:
    """Say why a child went where it did (and why not to each other worker), or what a
    worker holds, was given or lost, and which waiting children they could not take.

    ID is a child id or a worker id of the proposal in OUT.

    \b
    Example:
      caseload explain proposal/ C00042
      caseload explain proposal/ W004
    """
    import difflib

    from allocator import UnknownChildError, explain_child, explain_worker

    result = _read_outputs(out)
    wanted = child_id.strip()
    children = {a.child_id for a in result.allocations}
    workers = {w.worker_id for w in result.workers}
    if wanted in children:
        _explain_child(explain_child(result, wanted))
    elif wanted in workers:
        _explain_worker(explain_worker(result, wanted))
    else:
        close = difflib.get_close_matches(wanted, sorted(children | workers), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise InputProblemsError(
            f"error: {wanted!r} is neither a child nor a worker of {out}{hint}"
        ) from None
    del UnknownChildError  # (raised by the library for ids the command checked above)


def _explain_child(why: Any) -> None:
    row = why.allocation
    click.echo(f"{row.child_id} ({row.team_id}): {row.status.value}, weight {row.weight:g}")
    click.echo(f"  {row.reason}")
    if not why.candidates:
        click.echo("  (kept with its worker: no alternatives were considered)")
        return
    click.echo("workers of the team:")
    for c in why.candidates:
        label = c.verdict.replace("_", " ")
        rule = f" [{c.rule}]" if c.rule and c.verdict != "chosen" else ""
        click.echo(f"  {c.worker_id:<12} {label}{rule}: {c.detail}")


def _explain_worker(why: Any) -> None:
    w = why.worker
    per = f", {w.children_per_fte:g} per FTE" if w.fte_available else ""
    cap = f" of a cap of {w.max_children}" if w.max_children is not None else ""
    absence = f"; {w.absence}" if w.absence else ""
    click.echo(
        f"{w.worker_id} ({w.team_id}, {w.role.replace('_', ' ')}, {w.fte:g} FTE): holds "
        f"{w.children_after} children{cap}{per} (was {w.children_before}), band {w.band}"
        f"{absence}"
    )
    for title, rows in (("given in this run", why.given), ("no longer held", why.lost)):
        if rows:
            click.echo(f"{title}:")
            for a in rows:
                click.echo(f"  {a.child_id:<12} {a.reason}")
    if why.waiting:
        click.echo("children left waiting, and why not this worker:")
        for c in why.waiting:
            label = c.verdict.replace("_", " ")
            rule = f" [{c.rule}]" if c.rule else ""
            click.echo(f"  {c.child_id:<12} {label}{rule}: {c.detail}")
    if not (why.given or why.lost or why.waiting):
        click.echo("  (nothing changed for this worker in this run)")


# --- the web workspace ----------------------------------------------------------------

DATABASE_HELP = (
    "Database: sqlite:///FILE or postgresql://USER:PASSWORD@HOST/NAME "
    "[default: sqlite:///caseload-workspace.db, or CASELOAD_DATABASE_URL]."
)


def _workspace_settings(**values: Any) -> Any:
    """The workspace's settings; a bad one ends the command (exit 2)."""
    from workspace import SettingsError, load_settings

    try:
        return load_settings(**values)
    except SettingsError as exc:
        raise InputProblemsError(f"error: {exc}") from None


@main.command()
@click.option("--database", default=None, help=DATABASE_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--solvers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Solver processes (proposals solved side by side, outside the web server).",
)
@click.option(
    "--plans",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of scenario plans' output folders that planners read.",
)
def serve(database: str | None, host: str, port: int, solvers: int, plans: Path | None) -> None:
    """Run the team managers' workspace (web pages and JSON API) on HOST:PORT.

    The database is created or migrated first. Add users with
    'caseload users add'. Set CASELOAD_SECRET_KEY (32 characters or more) for
    a PostgreSQL database; for SQLite one is made and kept beside the file.

    \b
    Example:
      caseload users add admin --role admin < password.txt
      caseload serve --port 8000
      caseload serve --database postgresql://caseload:PASSWORD@localhost/caseload
    """
    from workspace import serve as run_server

    settings = _workspace_settings(database_url=database, solver_processes=solvers, plans_dir=plans)
    click.echo(f"caseload workspace on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    run_server(settings, host=host, port=port)


@main.group(cls=_Group)
def users() -> None:
    """Manage the workspace's users.

    \b
    Example:
      caseload users add mo --role team_manager --team T01 < password.txt
    """


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["team_manager", "head_of_service", "planner", "worker", "admin"]),
    help="What the user may see and do.",
)
@click.option("--team", "teams", multiple=True, help="A team a manager manages (repeatable).")
@click.option(
    "--service", "services", multiple=True, help="A service a head of service heads (repeatable)."
)
@click.option("--worker", "worker_id", default=None, help="A worker's own worker_id.")
@click.option("--database", default=None, help=DATABASE_HELP)
def users_add(
    name: str,
    role: str,
    teams: tuple[str, ...],
    services: tuple[str, ...],
    worker_id: str | None,
    database: str | None,
) -> None:
    """Add user NAME (or change their password, role and scope); the password is read from stdin.

    \b
    Example:
      caseload users add mo --role team_manager --team T01 --team T02 < password.txt
      caseload users add hos --role head_of_service --service cin
      caseload users add ash --role worker --worker W004
    """
    import sys

    from workspace import UserError, add_user

    settings = _workspace_settings(database_url=database)
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = (sys.stdin.readline() or "").rstrip("\r\n")
    try:
        add_user(
            settings, name, password, role=role, teams=teams, services=services, worker_id=worker_id
        )
    except UserError as exc:
        raise InputProblemsError(f"error: {exc}") from None
    click.echo(f"user {name!r} ({role}) saved")


from caseload.forecasting import COMMANDS as FORECAST_COMMANDS  # noqa: E402  (forecasts)
from caseload.planning import COMMANDS  # noqa: E402  (the planner's commands)

for _command in (*COMMANDS, *FORECAST_COMMANDS):
    main.add_command(_command)

__all__ = ["main", "parse_date"]
