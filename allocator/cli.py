"""The ``caseload`` command: a thin click layer over the library.

Heavy imports (pandas, OR-Tools) happen inside the commands that need them, so
``caseload --help`` and a team batch start quickly.
"""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from models import PRESETS, Policy, PolicyError, ProblemData, load_policy

EXIT_INPUT = 2
EXIT_INTERNAL = 1
DEMO_AS_OF = date(2026, 11, 23)
"""The demo's allocation date, fixed so that the demo's output never changes."""


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


def _read(path: Path, policy: Policy) -> ProblemData:
    from allocator.io import InputError, read_data

    try:
        return read_data(path, policy)
    except InputError as exc:
        n = len(exc.problems)
        lines = [f"error: {path}: {n} problem{'s' if n != 1 else ''} found"]
        lines += [f"  {p}" for p in exc.problems]
        raise InputProblemsError("\n".join(lines)) from None


POLICY_HELP = f"Preset name ({', '.join(PRESETS)}) or path to a policy TOML file."


class _Group(click.Group):
    """Turns an unexpected exception into one line and exit code 1 (the traceback
    only with ``CASELOAD_DEBUG=1``)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("CASELOAD_DEBUG"):
                raise
            click.echo(
                f"internal error: {type(exc).__name__}: {exc} "
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
    """


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


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


def _run(
    data: Path,
    policy_name: str,
    out: Path,
    *,
    quiet: bool = False,
    **option_values: Any,
) -> None:
    from allocator.instance import Options
    from allocator.io import OutputError
    from allocator.outputs import summary, write_outputs
    from allocator.solve import allocate

    rules = _policy(policy_name)
    problem = _read(data, rules)
    known = {w.worker_id for w in problem.workers}
    unknown = [w for w in option_values.get("release", ()) if w not in known]
    if unknown:
        raise InputProblemsError(f"error: --release: unknown worker_id {', '.join(unknown)}")
    options = Options(**option_values)
    progress = None if quiet else _Progress()
    result = allocate(problem, rules, options, progress=progress)
    if progress is not None and progress.shown:
        click.echo("", err=True)  # end the progress line
    data_summary = summary(result, problem, rules, options)
    try:
        write_outputs(out, result, data_summary)
    except OutputError as exc:
        raise InputProblemsError(f"error: {exc}") from None
    if not quiet:
        click.echo(human_summary(data_summary, result, out))


class _Progress:
    """A progress line on a terminal, once a solve has run for more than 1.5 s."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, done: int, total: int, elapsed: float) -> None:
        if elapsed < 1.5 or not sys.stderr.isatty():
            return
        self.shown = True
        click.echo(f"\rsolving: {done}/{total} sub-problems, {elapsed:.1f} s", err=True, nl=False)


def human_summary(s: dict[str, Any], result: Any, out: Path) -> str:
    """The short summary printed after a run."""
    lines = [
        f"children allocated      {s['children_allocated']}",
        f"children unallocated    {s['children_unallocated']}",
    ]
    if s["children_moved"]:
        lines.append(f"children moved          {s['children_moved']}")
    bands = s["workers_above_threshold"]
    band_text = ", ".join(f"{k}: {v}" for k, v in sorted(bands.items())) or "none"
    lines.append(f"workers in a threshold  {sum(bands.values())} ({band_text})")
    lines.append(f"sibling groups split    {s['sibling_groups_split']}")
    gap = s["gap"]
    lines.append(
        f"solver                  {s['status']}, gap {100 * (gap or 0):.3f}%, "
        f"{s['solve_seconds']:.1f} s"
    )
    more = s["model"].get("greedy_unallocated", 0) - s["children_unallocated"]
    if more > 0:
        lines.append(
            f"objective               {s['objective']:.2f} (the greedy baseline leaves {more} "
            f"more child{'ren' if more != 1 else ''} unallocated)"
        )
    elif (s["improvement_over_greedy_percent"] or 0) < 0:
        lines.append(
            f"objective               {s['objective']:.2f} (greedy {s['greedy_objective']:.2f} is "
            "lower but worse on priority or sibling splits, which come first)"
        )
    elif s["improvement_over_greedy_percent"] is not None:
        lines.append(
            f"objective               {s['objective']:.2f} (greedy {s['greedy_objective']:.2f}, "
            f"{s['improvement_over_greedy_percent']:.1f}% better)"
        )
    for f in result.findings:
        if f.kind == "unallocated":
            lines.append(f"  - {f.message}")
    lines.append(
        f"wrote {out}/ (allocations.csv, workers.csv, summary.json, candidates.csv, findings.csv)"
    )
    return "\n".join(lines)


def _solve_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--policy", "policy_name", default="default", show_default=True, help=POLICY_HELP
            ),
            click.option(
                "--time-limit",
                default=60.0,
                show_default=True,
                help="Wall-clock limit of the solve, in seconds.",
            ),
            click.option(
                "--work-limit",
                default=None,
                type=float,
                help="Deterministic work limit per sub-problem (reproducible) "
                "[default: the time limit].",
            ),
            click.option(
                "--gap-limit",
                default=1e-4,
                show_default=True,
                help="Stop balancing within this relative gap of the bound; such a result "
                "is reported 'feasible' with its gap. 0 insists on proven optimality.",
            ),
            click.option("--seed", default=0, show_default=True, help="Solver random seed."),
            click.option(
                "--as-of",
                default=None,
                callback=_parse_date,
                help="Allocation date for ASYE months and reductions [default: today].",
            ),
            click.option(
                "--release",
                multiple=True,
                help="Reallocate this worker's children across the team (long leave).",
            ),
            click.option(
                "--rebalance", is_flag=True, help="Allow existing children to move to even loads."
            ),
            click.option(
                "--max-moves", default=0, show_default=True, help="Moves allowed with --rebalance."
            ),
            click.option(
                "--threads",
                default=1,
                show_default=True,
                help="Solver threads per sub-problem (1 keeps runs byte-identical).",
            ),
            click.option(
                "--processes",
                default=1,
                show_default=True,
                help="Sub-problems (teams) solved side by side.",
            ),
            click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors."),
        ]
    ):
        func = option(func)
    return func


@main.command()
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@_solve_options
def allocate(data: Path, out: Path, policy_name: str, quiet: bool, **options: Any) -> None:
    """Allocate the waiting children in DATA and write a proposal to OUT.

    \b
    Example:
      caseload allocate data/ --policy barnet --out proposal/ --time-limit 60 --seed 0
      caseload allocate data/ --policy barnet --out leave/ --release W012
      caseload allocate data/ --out even/ --rebalance --max-moves 20
    """
    if options["rebalance"] is False and options["max_moves"]:
        raise InputProblemsError("error: --max-moves needs --rebalance")
    options["release"] = tuple(options["release"])
    _run(data, policy_name, out, quiet=quiet, **options)


@main.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--policy", default="default", show_default=True, help=POLICY_HELP)
@click.option("--seed", default=0, show_default=True, help="Generator seed.")
@click.option("--fte", default=140.5, show_default=True, help="Case-holding FTE.")
@click.option("--new", "new_referrals", default=250, show_default=True, help="New referrals.")
@click.option("--authorities", default=1, show_default=True, help="Copies of the authority.")
def example(
    folder: Path, policy: str, seed: int, fte: float, new_referrals: int, authorities: int
) -> None:
    """Write an example authority's data folder (shaped by DfE statistics) to FOLDER.

    \b
    Example:
      caseload example data/ --policy barnet --seed 1
    """
    from allocator.example import generate_authority
    from allocator.io import OutputError, write_data

    rules = _policy(policy)
    data = generate_authority(
        rules, seed=seed, case_holding_fte=fte, new_referrals=new_referrals, authorities=authorities
    )
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
@click.option("--seed", default=0, show_default=True, help="Generator and solver seed.")
@click.option(
    "--time-limit", default=60.0, show_default=True, help="Solver budget (deterministic s)."
)
def demo(folder: Path, policy: str, seed: int, time_limit: float) -> None:
    """Generate an example authority, allocate its new referrals, print the summary.

    \b
    Example:
      caseload demo --out demo/
    """
    from allocator.example import generate_authority
    from allocator.io import OutputError, write_data

    rules = _policy(policy)
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
    _run(
        folder / "data",
        policy,
        folder / "proposal",
        time_limit=time_limit,
        seed=seed,
        as_of=DEMO_AS_OF,
    )


@main.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("child_id")
def explain(out: Path, child_id: str) -> None:
    """Say why CHILD_ID went where it did, and why not to each other worker.

    \b
    Example:
      caseload explain proposal/ C00042
    """
    import csv

    def rows(name: str) -> list[dict[str, str]]:
        path = out / name
        if not path.is_file():
            raise InputProblemsError(f"error: {path} not found: is {out} a caseload output folder?")
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    mine = [r for r in rows("allocations.csv") if r["child_id"] == child_id]
    if not mine:
        raise InputProblemsError(f"error: child {child_id!r} is not in {out}/allocations.csv")
    row = mine[0]
    click.echo(f"{child_id} ({row['team_id']}): {row['status']}, weight {row['weight']}")
    click.echo(f"  {row['reason']}")
    others = [r for r in rows("candidates.csv") if r["child_id"] == child_id]
    if not others:
        click.echo("  (kept with its worker: no alternatives were considered)")
        return
    click.echo("workers of the team:")
    order = {"chosen": 0, "eligible": 1, "ruled_out": 2}
    for r in sorted(others, key=lambda r: (order.get(r["verdict"], 3), r["worker_id"])):
        label = r["verdict"].replace("_", " ")
        rule = f" [{r['rule']}]" if r["rule"] and r["verdict"] != "chosen" else ""
        click.echo(f"  {r['worker_id']:<12} {label}{rule}: {r['detail']}")


if __name__ == "__main__":  # pragma: no cover
    main()
